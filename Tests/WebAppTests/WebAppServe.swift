import Foundation
import ProcessTools
import QuizTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One `local-runner serve` for one web app test, over a SQLite file and a JWT secret in the
/// test's own temporary folder. It can be stopped and started again on the same port (what a
/// learner's browser sees as a restart) and is always stopped in the end: by ``stop()``, or at
/// the latest when the value goes away, with SIGKILL for the runner and every worker it left.
///
/// Waits have generous limits that only guard against a hang; nothing passes or fails on time.
final class WebAppServe: @unchecked Sendable {
    // @unchecked: used by one test at a time; the process handles are only touched from it.

    /// The JWT secret the runner starts with.
    static let secret = "web-app-tests-secret-long-enough-for-hs256"

    /// The JWT secret of the next start (``start()``): a test can change it to make every token
    /// issued so far invalid, as deleting `.quiz/jwt-secret` would.
    var secret = WebAppServe.secret

    /// The `local-runner` built beside this test bundle.
    static let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("local-runner")

    /// The repository (for `web/` and the test scripts).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The test's folder: database, logs, files the browser uploads.
    let folder: String
    /// The options after `serve --port P`.
    let arguments: [String]
    /// The port, fixed by the first start.
    private(set) var port = 0
    /// The running runner.
    private var process: Process?
    /// Every worker seen, so that none outlives the test.
    private var workers: Set<pid_t> = []
    /// The log of the latest start.
    private(set) var logPath = ""
    private var starts = 0

    /// The base URL a browser opens.
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Everything the runner has logged so far, across restarts.
    var log: String {
        (1...max(starts, 1)).map { (try? String(contentsOfFile: "\(folder)/serve-\($0).log", encoding: .utf8)) ?? "" }.joined()
    }

    /// Starts `local-runner serve ARGUMENTS` on a free port and waits until it answers; with
    /// `environment`, the lines of an `--env-file` for its workers, kept in its folder.
    init(arguments: [String] = [], environment: [String]? = nil) async throws {
        folder = TemporaryDirectory.create(prefix: "quiz-web")
        var arguments = arguments
        if let environment {
            let file = "\(folder)/workers.env"
            try environment.map { "\($0)\n" }.joined().write(toFile: file, atomically: true, encoding: .utf8)
            arguments += ["--env-file", file]
        }
        self.arguments = arguments
        try await start()
    }

    deinit {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        for pid in workers where ProcessTable.isAlive(pid) { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Starts the runner (on the port of the first start, once there is one) and waits for
    /// `GET /health` to answer 200.
    func start() async throws {
        starts += 1
        logPath = "\(folder)/serve-\(starts).log"
        let process = try ServeLaunch.start(
            executable: Self.executable, port: port, arguments: arguments,
            environment: ["QUIZ_STORE_URL": "sqlite:\(folder)/quiz.db", "QUIZ_JWT_SECRET": secret, "QUIZ_DATA_DIR": folder],
            logPath: logPath)
        self.process = process
        guard let bound = try await ServeLaunch.waitForPort(of: process, logPath: logPath, limit: .seconds(180)) else {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw Failure(process.isRunning ? "serve printed no startup line:\n\(self.log)" : "serve exited at start:\n\(text)")
        }
        port = bound
        workers.formUnion(ProcessTable.children(of: process.processIdentifier))
        let health = try await WebClient(port: port).send("GET", "/health")
        guard health.status == 200 else { throw Failure("GET /health answered \(health.status): \(health.text)") }
    }

    /// SIGTERM, as Ctrl-C would; waits for the runner and its workers to be gone (SIGKILL past the limit).
    func stop() async {
        guard let process, process.isRunning else { return }
        workers.formUnion(ProcessTable.children(of: process.processIdentifier))
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            Issue.record("serve did not stop within 60 s of SIGTERM; killing it")
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        let leftover = workers.filter(ProcessTable.isAlive)
        if !ProcessTable.waitUntilGone(Array(leftover), within: .seconds(30)) {
            Issue.record("workers outlived serve: \(leftover.sorted())")
            for pid in leftover { kill(pid, SIGKILL) }
        }
    }

    /// A learner's or an author's token, minted by the runner's dev login.
    func token(_ user: String, author: Bool = false) async throws -> String {
        let response = try await WebClient(port: port).send("POST", "/dev/token", json: ["user": user, "author": author])
        guard response.status == 200, let token = response.json["token"] as? String else {
            throw Failure("POST /dev/token answered \(response.status): \(response.text)")
        }
        return token
    }

    /// Why the harness could not do its part.
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

/// The web tests talk to serve as the runner tests do (QuizTestSupport).
typealias WebClient = ServeClient
