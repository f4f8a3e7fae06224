import Foundation
import Synchronization

/// Running a program to completion and keeping what it printed: the one way the tests and the
/// benchmarks run a short-lived tool (a Python script, a shell script, another benchmark).
public enum ProgramRun {
    /// What a program that ran to completion left.
    public struct Result: Sendable {
        /// Its exit status.
        public var status: Int32
        /// Its standard output, trimmed; with `mergingErrors`, its standard error too, interleaved.
        public var output: String
        /// Its standard error, trimmed; empty with `mergingErrors`.
        public var errors: String
    }

    /// Runs `executable` with `arguments`, `environment` over this process's own and standard
    /// input from `/dev/null`, until it exits. Both outputs are read while it runs, so a program
    /// that fills one pipe while the other is being read cannot stall.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], mergingErrors: Bool = false
    ) throws -> Result {
        let process = Process()
        let output = Pipe()
        let errors = Pipe()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = mergingErrors ? output : errors
        try process.run()
        let complaints = Mutex(Data())
        let errorsRead = DispatchSemaphore(value: 0)
        if mergingErrors {
            errorsRead.signal()
        } else {
            Thread {
                let data = errors.fileHandleForReading.readDataToEndOfFile()
                complaints.withLock { $0 = data }
                errorsRead.signal()
            }.start()
        }
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        errorsRead.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, output: trimmed(printed), errors: complaints.withLock { trimmed($0) })
    }

    private static func trimmed(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
