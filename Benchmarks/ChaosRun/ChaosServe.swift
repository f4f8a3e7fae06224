import Foundation
import ProcessTools
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The `local-runner serve` of a chaos run, on a free port, over the run's folder, with its
/// workers watched: started with the run, stopped (with every worker) on every path.
final class ChaosServe: @unchecked Sendable {
    // @unchecked: `process`, `port` and `logPath` are set once in init; `seen` is behind its mutex.
    let process: Process
    let port: Int
    let logPath: String
    /// Every worker pid seen while the run went on.
    private let seen = Mutex<Set<pid_t>>([])
    var seenWorkers: Set<pid_t> { seen.withLock { $0 } }

    /// The JWT secret of the run (local tokens only).
    static let secret = "chaos-run-secret-long-enough-for-hs256-signing"

    /// Starts `runner serve` with `arguments` and `environment` added, and waits for its startup line.
    init(runner: String, folder: String, arguments: [String], environment: [String: String]) throws {
        logPath = "\(folder)/serve.log"
        process = try ServeLaunch.start(
            executable: URL(fileURLWithPath: runner), arguments: arguments,
            environment: ["QUIZ_JWT_SECRET": Self.secret, "QUIZ_DATA_DIR": folder, "LOG_LEVEL": "warn"].merging(environment) { $1 },
            logPath: logPath)
        ChildProcesses.register(process.processIdentifier, stopSignal: SIGTERM)
        guard let port = ServeLaunch.waitForPortBlocking(of: process, logPath: logPath, limit: .seconds(180)) else {
            self.port = 0
            stop()
            let tail = String(((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").suffix(3000))
            throw ToolFailure("local-runner serve did not start:\n\(tail)")
        }
        self.port = port
        noteWorkers()
    }

    deinit { stop() }

    /// Remembers the workers alive now.
    func noteWorkers() {
        let children = ProcessTable.children(of: process.processIdentifier)
        seen.withLock { $0.formUnion(children) }
    }

    /// Workers seen that are gone, and lines of the log that say a worker died, timed out or
    /// failed to start: each is a worker the run lost.
    func workersLost() -> (count: Int, evidence: [String]) {
        noteWorkers()
        let dead = seenWorkers.filter { !ProcessTable.isAlive($0) }
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        let lines = log.split(separator: "\n").filter {
            $0.contains("starting a replacement") || $0.contains("exceeded the") || $0.contains("failed to initialise")
        }.map(String.init)
        return (max(dead.count, lines.count), lines + dead.map { "worker pid \($0) is gone" })
    }

    /// SIGTERM for the runner (it stops its workers), SIGKILL for anything left after a while.
    func stop() {
        noteWorkers()
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = ContinuousClock.now + .seconds(30)
            while process.isRunning, ContinuousClock.now < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        ChildProcesses.unregister(process.processIdentifier)
        for pid in seenWorkers where ProcessTable.isAlive(pid) { kill(pid, SIGKILL) }
    }

    /// A local token for `user` (`local-runner token`).
    static func token(runner: String, folder: String, user: String, groups: [String] = []) throws -> String {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: runner)
        process.arguments = ["token", user] + groups.flatMap { ["--group", $0] }
        process.environment = ProcessInfo.processInfo.environment.merging(["QUIZ_JWT_SECRET": secret, "QUIZ_DATA_DIR": folder]) { $1 }
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, !token.isEmpty else { throw ToolFailure("local-runner token \(user) failed") }
        return token
    }
}
