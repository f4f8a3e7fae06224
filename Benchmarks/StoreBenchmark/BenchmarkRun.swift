import Foundation
import QuizStore
import QuizStoreSQLite

/// What a benchmark process runs: the table layer, or the same update in raw SQL.
enum BenchmarkMode: String, CaseIterable {
    case raw, table
}

/// One run: N worker processes of this executable on one fresh database file.
struct BenchmarkRun {
    var mode: BenchmarkMode
    var path: String
    var processes: Int
    var seconds: Double

    struct Outcome {
        var rate: Double
        var errors: Int
        var countsMatch: Bool
    }

    func execute() async throws -> Outcome {
        // Create the file and its schema before the workers race to do it.
        try await BenchmarkWorker(mode: mode, path: path, index: -1).prepare()
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        // Start together, a moment from now, so no worker runs alone at first.
        let start = (Date().timeIntervalSince1970 + 0.5 + 0.02 * Double(processes)) * 1000
        var workers: [(Process, Pipe)] = []
        for index in 0..<processes {
            let process = Process()
            let pipe = Pipe()
            process.executableURL = executable
            process.arguments = ["worker", mode.rawValue, path, String(index), String(start), String(seconds)]
            process.standardOutput = pipe
            try process.run()
            workers.append((process, pipe))
        }
        var operations = 0
        var errors = 0
        var rate = 0.0
        for (process, pipe) in workers {
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let fields = output.split(whereSeparator: \.isWhitespace)
            guard process.terminationStatus == 0, fields.count == 3, let ops = Int(fields[0]), let errs = Int(fields[1]),
                let elapsed = Double(fields[2])
            else {
                errors += 1
                continue
            }
            operations += ops
            errors += errs
            rate += Double(ops) / elapsed
        }
        let stored = try await BenchmarkWorker(mode: mode, path: path, index: -1).storedTotal()
        return Outcome(rate: rate, errors: errors, countsMatch: stored == operations)
    }
}
