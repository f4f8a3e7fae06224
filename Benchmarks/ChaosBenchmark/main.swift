// `make bench-chaos`: the chaos run at benchmark size on both backends — learners answering
// through `local-runner serve` while 10% of the store calls fail — and its figures: answers
// attempted and accepted, retries, responses, faults injected, and whether every rule held.
//
//   quiz-chaos-bench [--learners N] [--answers N] [--rate R] [--seed S] [--backend sqlite|dynamodb] [--keep]
//
// --keep leaves each run's folder (the serve log, the store, the fault log) and prints where.
import ChaosRun
import Foundation
import ProcessTools
import QuizTestSupport

ChildProcesses.installSignalHandlers()
let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
let backends = option("--backend").map { [StoreBackend(named: $0)].compactMap { $0 } } ?? StoreBackend.allCases
var failed = false
for backend in backends {
    var configuration = ChaosConfiguration(backend: backend)
    configuration.learners = option("--learners").flatMap(Int.init) ?? 24
    configuration.answersPerLearner = option("--answers").flatMap(Int.init) ?? 25
    configuration.faultRate = option("--rate").flatMap(Double.init) ?? 0.10
    configuration.seed = option("--seed").flatMap(UInt64.init) ?? configuration.seed
    let folder = NSTemporaryDirectory() + "/quiz-chaos-\(backend.rawValue)-\(getpid())"
    try? FileManager.default.removeItem(atPath: folder)
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer {
        if arguments.contains("--keep") { printError("kept \(folder)") } else { try? FileManager.default.removeItem(atPath: folder) }
    }
    do {
        let report = try await ChaosRun.run(configuration, executables: Executables.directory, folder: folder)
        print(report)
        failed = failed || !report.violations.isEmpty
    } catch {
        printError("chaos run on \(backend) failed: \(error)")
        failed = true
    }
}
exit(failed ? 1 : 0)
