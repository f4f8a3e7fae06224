import ProcessTools
import Foundation
import QuizTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One `local-runner serve` process for one test: started on a free port (`--port 0`, read back
/// from the startup line) over a database and a JWT secret of the test's own folder, and always
/// stopped: by ``stop(signal:)``, or at the latest when the value goes away, with SIGKILL for
/// the runner and for every worker it left.
///
/// Every wait here has a generous limit that only guards against a hang: no test passes or
/// fails on how long something took.
final class ServeInstance {
    /// The runner exited, or never printed its startup line.
    struct StartFailure: Error, CustomStringConvertible {
        var log: String
        var description: String { "serve did not start:\n\(log)" }
    }

    /// The JWT secret every instance and every minted token uses.
    static let secret = "serve-tests-secret-long-enough-for-hs256"

    /// The runner's process.
    let process: Process
    /// The port it serves on.
    let port: Int
    /// Where its standard output and standard error go.
    let logPath: String
    /// Every worker seen, so that none can outlive the test unnoticed.
    private var knownWorkers: Set<pid_t> = []

    /// The runner's own log: the startup line, one line per request, the workers' log lines.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Starts `local-runner serve ARGUMENTS` and waits until the startup line names its port
    /// and `GET /health` answers 200.
    init(
        folder: TemporaryFolder, arguments: [String] = [], environment: [String: String] = [:], name: String = "serve", umask: String? = nil
    ) async throws {
        logPath = "\(folder.path)/\(name)-\(UUID().uuidString.prefix(8)).log"
        let process = try Self.launch(folder: folder, arguments: arguments, environment: environment, logPath: logPath, umask: umask)
        self.process = process
        guard let port = try await ServeLaunch.waitForPort(of: process, logPath: logPath, limit: .seconds(180)) else {
            Self.forceStop(process)
            throw StartFailure(log: (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
        }
        self.port = port
        knownWorkers = Set(workers())
        let health = try await ServeClient(port: port).send("GET", "/health")
        #expect(health.status == 200, "GET /health: \(health.text)")
    }

    /// Starts the runner and returns without waiting, for tests of a start that must fail;
    /// under `umask` when given (through `sh`, which then becomes the runner).
    static func launch(
        folder: TemporaryFolder, arguments: [String], environment: [String: String], logPath: String, umask: String? = nil
    ) throws -> Process {
        try ServeLaunch.start(
            executable: RunnerProcess.executable, arguments: arguments,
            environment: ["QUIZ_STORE_URL": "sqlite:\(folder.path)/quiz.db", "QUIZ_JWT_SECRET": secret, "QUIZ_DATA_DIR": folder.path]
                .merging(environment) { _, new in new },
            logPath: logPath, umask: umask)
    }

    deinit {
        Self.forceStop(process)
        for pid in knownWorkers where ProcessTable.isAlive(pid) { kill(pid, SIGKILL) }
    }

    // MARK: - Workers

    /// The live worker processes: the runner's children, optionally only those of one function.
    func workers(of function: String? = nil) -> [pid_t] {
        let children = ProcessTable.children(of: process.processIdentifier)
        knownWorkers.formUnion(children)
        guard let function else { return children }
        return children.filter { ProcessTable.executableName($0) == "\(function)-function" }
    }

    // MARK: - Stopping

    /// Sends `signal`, waits for the runner to exit and returns its status; SIGKILL if it does
    /// not exit within the limit (and the wait fails).
    @discardableResult
    func stop(signal: Int32 = SIGTERM) async throws -> Int32 {
        knownWorkers.formUnion(workers())
        kill(process.processIdentifier, signal)
        try await ProcessTable.waitForExit(process)
        return process.terminationStatus
    }

    /// The workers seen so far that are still running.
    var survivingWorkers: [pid_t] { knownWorkers.filter(ProcessTable.isAlive).sorted() }

    /// SIGKILL for a runner still running.
    private static func forceStop(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

// MARK: - Tokens

/// Tokens minted by `local-runner token`, as a user would.
enum ServeTokens {
    /// A token for `user`, signed with `secret` (the instances' own by default).
    static func mint(_ user: String, groups: [String] = [], lifetime: Int = 3600, secret: String = ServeInstance.secret) throws -> String {
        let arguments = ["token", user, "--lifetime", String(lifetime)] + groups.flatMap { ["--group", $0] }
        let output = try RunnerProcess.start(arguments, environment: ["QUIZ_JWT_SECRET": secret]).wait()
        #expect(output.status == 0, "local-runner token: \(output.stderr)")
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

// MARK: - Processes

/// The waits the serve tests need, beside ProcessTools's reading of `/proc`.
extension ProcessTable {
    /// Waits until none of `pids` is alive; false if some still are at the limit.
    static func waitUntilGone(_ pids: [pid_t], within limit: Duration = .seconds(60)) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while pids.contains(where: isAlive), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        return !pids.contains(where: isAlive)
    }

    /// Waits until a TCP socket of `pid` holds bytes it has not read (up to `limit`): for a
    /// stopped worker, proof that an invocation was handed to it. False at the limit.
    static func waitForUnreadInput(_ pid: pid_t, within limit: Duration = .seconds(5)) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if hasUnreadInput(pid) { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// Whether a TCP socket of `pid` has a non-empty receive queue (`/proc/PID/net/tcp`'s
    /// `rx_queue`, for the socket inodes among `/proc/PID/fd`).
    static func hasUnreadInput(_ pid: pid_t) -> Bool {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        let sockets = Set(descriptors.compactMap { descriptor -> Substring? in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(descriptor)"),
                target.hasPrefix("socket:[")
            else { return nil }
            return Substring(target.dropFirst("socket:[".count).dropLast())
        })
        for table in ["tcp", "tcp6"] {
            guard let text = procFile("/proc/\(pid)/net/\(table)") else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                // sl local rem st tx_queue:rx_queue tr:when retrnsmt uid timeout inode …
                let fields = line.split(separator: " ")
                guard fields.count > 9, sockets.contains(fields[9]) else { continue }
                let queues = fields[4].split(separator: ":")
                if queues.count == 2, let unread = Int(queues[1], radix: 16), unread > 0 { return true }
            }
        }
        return false
    }

    /// Waits for `process` to exit; SIGKILL and a recorded issue if it has not within `limit`.
    static func waitForExit(_ process: Process, within limit: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            Issue.record("process \(process.processIdentifier) was still running after \(limit); killing it")
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }
}
