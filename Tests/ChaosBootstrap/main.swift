// A test-only bootstrap for the chaos runs: any product function, its store wrapped in
// `FaultInjectingTableStore` between the backend and the resilience layer. Placed by the tests as
// `<function>-function` symlinks in a directory given to `local-runner serve --bootstrap-dir`,
// it is never packaged: the product's bootstraps (functions/<name>/main.swift) inject nothing.
//
// The function is `AWS_LAMBDA_FUNCTION_NAME`, else the name it was started as. The faults come
// from the environment (`serve --env-vars`):
//   QUIZ_CHAOS_RATE      share of store calls that fail, 0...1 (default 0)
//   QUIZ_CHAOS_SEED      seed of the draws; each process adds its pid, so workers differ
//   QUIZ_CHAOS_FAULTS    comma-separated faults (FaultInjectingTableStore.Fault raw values; default all but slow)
//   QUIZ_CHAOS_DELAY_MS  how long stall-after and slow wait (default 300)
//   QUIZ_CHAOS_LOG       a file to append one line per store call to: `<fault or -> <operation>`
import Foundation
import QuizBootstrap
import QuizTestSupport

#if canImport(Glibc)
import Glibc
#endif

let variables = ProcessInfo.processInfo.environment
let invokedAs = URL(fileURLWithPath: CommandLine.arguments.first ?? "").lastPathComponent
let functionName = variables["AWS_LAMBDA_FUNCTION_NAME"].flatMap(FunctionName.init(rawValue:))
    ?? FunctionName(rawValue: String(invokedAs.dropLast(invokedAs.hasSuffix("-function") ? "-function".count : 0)))
guard let functionName else {
    FileHandle.standardError.write(Data("chaos bootstrap: no function named by AWS_LAMBDA_FUNCTION_NAME or \(invokedAs)\n".utf8))
    exit(2)
}

let rate = variables["QUIZ_CHAOS_RATE"].flatMap(Double.init) ?? 0
let seed = (variables["QUIZ_CHAOS_SEED"].flatMap(UInt64.init) ?? 1) &+ UInt64(getpid())
let faults = variables["QUIZ_CHAOS_FAULTS"].map { $0.split(separator: ",").compactMap { FaultInjectingTableStore.Fault(rawValue: String($0)) } }
    ?? FaultInjectingTableStore.Fault.allCases.filter { $0 != .slow }
let delay = Duration.milliseconds(variables["QUIZ_CHAOS_DELAY_MS"].flatMap(Int.init) ?? 300)
let logDescriptor: Int32 = variables["QUIZ_CHAOS_LOG"].map { open($0, O_WRONLY | O_CREAT | O_APPEND, 0o600) } ?? -1

QuizBootstrap.runLambda(functionName) { store in
    FaultInjectingTableStore(wrapping: store, schedule: .random(seed: seed, rate: rate, faults: faults), delay: delay) { call in
        guard logDescriptor >= 0 else { return }
        // One short write per line with O_APPEND: lines from many workers never interleave.
        let line = Array("\(call.fault?.rawValue ?? "-") \(call.operation.rawValue)\n".utf8)
        _ = line.withUnsafeBytes { write(logDescriptor, $0.baseAddress, $0.count) }
    }
}
