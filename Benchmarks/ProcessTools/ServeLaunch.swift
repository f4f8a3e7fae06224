import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Starting `local-runner serve` as a child process and reading its port from its startup line:
/// the one way the tests' and the benchmarks' serve harnesses do it (`ServeInstance`,
/// `WebAppServe`, `ChaosServe`, the serve benchmark's `ServeProcess`). Each harness keeps what is
/// its own: which environment, which workers it watches, how it stops.
public enum ServeLaunch {
    /// What the runner's startup line says before its port: `serving http://127.0.0.1:PORT`.
    public static let startupPrefix = "serving http://127.0.0.1:"

    /// Starts `executable serve --port PORT --maintenance-interval 0 ARGUMENTS` (no scheduled
    /// maintenance: a sweep in the middle of a test or a measurement would be noise) with
    /// `environment` over this process's own, standard input from `/dev/null`, and standard
    /// output and error into a new file at `logPath`. With `umask`, the runner starts through
    /// `sh`, which sets it and then becomes the runner.
    public static func start(
        executable: URL, port: Int = 0, arguments: [String], environment: [String: String], logPath: String, umask: String? = nil
    ) throws -> Process {
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else { throw ToolFailure("could not create \(logPath)") }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        let process = Process()
        let serveArguments = ["serve", "--port", String(port), "--maintenance-interval", "0"] + arguments
        if let umask {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "umask \(umask); exec \"$0\" \"$@\"", executable.path] + serveArguments
        } else {
            process.executableURL = executable
            process.arguments = serveArguments
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        return process
    }

    /// The port the startup line in `log` names; `nil` while there is none.
    public static func port(inLog log: String) -> Int? {
        guard let range = log.range(of: startupPrefix) else { return nil }
        return Int(log[range.upperBound...].prefix { $0.isNumber })
    }

    /// Waits until the runner's startup line is in `logPath` and returns its port; `nil` when the
    /// runner exits first or `limit` passes (a limit that only guards against a hang).
    public static func waitForPort(of process: Process, logPath: String, limit: Duration) async throws -> Int? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let port = port(inLog: (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "") { return port }
            guard process.isRunning else { return nil }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// ``waitForPort(of:logPath:limit:)`` for a caller that is not async, polling with `usleep`.
    public static func waitForPortBlocking(of process: Process, logPath: String, limit: Duration) -> Int? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let port = port(inLog: (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "") { return port }
            guard process.isRunning else { return nil }
            usleep(50_000)
        }
        return nil
    }
}
