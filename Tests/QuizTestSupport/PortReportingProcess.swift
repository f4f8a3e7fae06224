import Foundation
import Glibc

/// A helper server the tests start as a child process: a Python script that binds a loopback port
/// of the kernel's choosing, prints it as its first line of standard output, and exits when its
/// standard input closes.
///
/// The test process holds the write end of that standard input (the lifeline), so however the
/// test process ends — even killed — the pipe closes and the server goes with it. Swift Testing
/// has no global teardown to rely on instead.
public struct PortReportingProcess: @unchecked Sendable {
    // @unchecked: Process and Pipe are thread-safe for what is used here (kill, wait, close).

    /// The process.
    public let process: Process
    /// The port it printed.
    public let port: Int
    /// The write end of the child's standard input; closing it ends the child.
    public let lifeline: Pipe

    /// Starts `executable` with `arguments` and reads the port it prints; a child that prints
    /// anything else is killed and the start fails with what it printed.
    public init(
        executable: String, arguments: [String], environment: [String: String]? = nil, discardErrors: Bool = false, name: String
    ) throws {
        let process = Process()
        let output = Pipe()
        let lifeline = Pipe()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.standardInput = lifeline
        process.standardOutput = output
        if discardErrors { process.standardError = FileHandle.nullDevice }
        try process.run()

        var printed = Data()
        while !printed.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            printed.append(chunk)
        }
        let line = String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let port = Int(line) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw StartFailure(description: "\(name) printed '\(line)' instead of a port")
        }
        self.process = process
        self.port = port
        self.lifeline = lifeline
    }

    /// Kills the child and waits for it. SIGKILL, not `terminate()`: on Linux, Process starts the
    /// child with the signal mask of the spawning thread, and Swift Concurrency's worker threads
    /// block SIGTERM.
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? lifeline.fileHandleForWriting.close()
    }

    /// Why a helper server did not start.
    public struct StartFailure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// The interpreter that `python3` on PATH runs, found once per test process: a version
    /// manager's shim (pyenv's is a shell script) costs about 0.3 s per start, and the tests
    /// start many servers. Falls back to `/usr/bin/python3`.
    public static let python: String = {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys; print(sys.executable)"]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "/usr/bin/python3" }
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let path = String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !path.isEmpty ? path : "/usr/bin/python3"
    }()
}
