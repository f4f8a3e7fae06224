// quiz-store-bench: conditional-update throughput of the SQLite table backend with 1, 4 and
// 16 processes, next to a raw SQLite loop doing the same versioned update in the same run.
//
//   swift run -c release quiz-store-bench [--processes 1,4,16] [--seconds 3] [--dir DIR]
//
// Each process owns one item and updates it in a loop, on the condition that its version
// is the one it last wrote: the write every session update in the product makes. All
// processes share one database file, so they contend for its write lock.
import Foundation
import LambdaRuntime
import QuizStore
import QuizStoreSQLite

let arguments = Array(CommandLine.arguments.dropFirst())

if arguments.first == "worker" {
    // worker MODE DB INDEX START_MS SECONDS
    guard arguments.count == 6, let mode = BenchmarkMode(rawValue: arguments[1]), let index = Int(arguments[3]),
        let start = Double(arguments[4]), let seconds = Double(arguments[5])
    else {
        FileHandle.standardError.write(Data("usage: quiz-store-bench worker table|raw DB INDEX START_MS SECONDS\n".utf8))
        exit(2)
    }
    // On a thread of its own, as a function process serves its requests (the runtime's InvocationThread).
    let result = await withTaskExecutorPreference(InvocationThread()) {
        await BenchmarkWorker(mode: mode, path: arguments[2], index: index).run(startAt: start / 1000, seconds: seconds)
    }
    print("\(result.operations) \(result.errors) \(result.elapsed)")
    exit(0)
}

var processCounts = [1, 4, 16]
var seconds = 3.0
var directory = FileManager.default.temporaryDirectory.appendingPathComponent("quiz-store-bench-\(getpid())").path
var iterator = arguments.makeIterator()
while let argument = iterator.next() {
    switch argument {
    case "--processes": processCounts = (iterator.next() ?? "").split(separator: ",").compactMap { Int($0) }
    case "--seconds": seconds = Double(iterator.next() ?? "") ?? seconds
    case "--dir": directory = iterator.next() ?? directory
    case "--help", "-h":
        print("usage: quiz-store-bench [--processes 1,4,16] [--seconds 3] [--dir DIR]")
        exit(0)
    default:
        FileHandle.standardError.write(Data("quiz-store-bench: unknown argument \(argument)\n".utf8))
        exit(2)
    }
}
guard !processCounts.isEmpty, processCounts.allSatisfy({ $0 > 0 }), seconds > 0 else {
    FileHandle.standardError.write(Data("quiz-store-bench: --processes needs positive counts, --seconds a positive number\n".utf8))
    exit(2)
}

try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }

print("versioned conditional updates, \(seconds) s per run, one item per process, one shared file")
print("processes  raw SQLite/s  table layer/s  table/raw  errors")
var failed = false
for count in processCounts {
    var rates: [BenchmarkMode: (rate: Double, errors: Int)] = [:]
    for mode in BenchmarkMode.allCases {
        let path = "\(directory)/\(mode.rawValue)-\(count).db"
        let outcome = try await BenchmarkRun(mode: mode, path: path, processes: count, seconds: seconds).execute()
        rates[mode] = (outcome.rate, outcome.errors)
        failed = failed || !outcome.countsMatch
    }
    let raw = rates[.raw]!, table = rates[.table]!
    let line = String(
        format: "%9d  %12.0f  %13.0f  %8.0f%%  %6d", count, raw.rate, table.rate, 100 * table.rate / raw.rate,
        raw.errors + table.errors)
    print(line)
    failed = failed || raw.errors + table.errors > 0
}
if failed {
    print("FAILED: errors, or stored counters that differ from the updates the workers counted")
    exit(1)
}
