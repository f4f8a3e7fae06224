import Foundation
import Glibc

/// A bootstrap started in the background, for tests whose process does not end by itself
/// (a Runtime API that holds `next` open): standard output and standard error go to files,
/// so a chatty process never blocks on a full pipe, and the process is killed and waited for
/// when the test stops it or lets go of this object, on every path.
final class BootstrapProcess {
    let process = Process()
    private let folder: URL

    /// Starts `executable` with this test process's environment minus anything Lambda-specific,
    /// plus `environment`.
    init(_ executable: URL, environment: [String: String]) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("bootstrap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["stdout", "stderr"] {
            FileManager.default.createFile(atPath: folder.appendingPathComponent(name).path, contents: nil)
        }
        process.executableURL = executable
        process.environment = ProcessSupport.environment(adding: environment)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: folder.appendingPathComponent("stdout"))
        process.standardError = try FileHandle(forWritingTo: folder.appendingPathComponent("stderr"))
        try process.run()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// What the process has written to standard output so far.
    var standardOutput: String {
        (try? String(contentsOf: folder.appendingPathComponent("stdout"), encoding: .utf8)) ?? ""
    }

    /// What the process has written to standard error so far.
    var standardError: String {
        (try? String(contentsOf: folder.appendingPathComponent("stderr"), encoding: .utf8)) ?? ""
    }

    /// Kills the process (if it still runs) and waits for it. Safe to call twice.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    /// Waits up to `limit` for `condition` to hold, checking every 20 ms; false when it never
    /// did, or the process ended first.
    func wait(within limit: Duration = .seconds(60), until condition: () throws -> Bool) rethrows -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            usleep(20_000)
        }
        return try condition()
    }
}
