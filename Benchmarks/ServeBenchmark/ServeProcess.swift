import ProcessTools
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One `local-runner serve` for the benchmark: started on a free port (`--port 0`, read back from
/// its startup line) over a SQLite file and a JWT secret of the benchmark's own folder, and always
/// stopped, with every worker it started.
final class ServeProcess {
    /// The runner's process.
    let process: Process
    /// The port it serves on.
    let port: Int
    /// Its standard output and standard error: the startup line, one line per request, the
    /// workers' log lines.
    let logPath: String
    /// Every worker seen, so that none can outlive the benchmark unnoticed.
    private(set) var knownWorkers: Set<pid_t> = []

    /// Starts `runner serve --workers N` and waits up to two minutes for its startup line.
    init(runner: String, workers: Int, directory: String, secret: String) throws {
        logPath = "\(directory)/serve.log"
        // No scheduled maintenance (ServeLaunch): a sweep in the middle would be measured as learners' latency.
        process = try ServeLaunch.start(
            executable: URL(fileURLWithPath: runner), arguments: ["--workers", String(workers)],
            environment: ["QUIZ_STORE_URL": "sqlite:\(directory)/quiz.db", "QUIZ_JWT_SECRET": secret, "QUIZ_DATA_DIR": directory],
            logPath: logPath)
        ChildProcesses.register(process.processIdentifier, stopSignal: SIGTERM)
        guard let port = ServeLaunch.waitForPortBlocking(of: process, logPath: logPath, limit: .seconds(120)) else {
            let tail = String(((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").suffix(2000))
            self.port = 0
            stop()
            throw ToolFailure("local-runner serve did not start:\n\(tail)")
        }
        self.port = port
        noteWorkers()
    }

    deinit {
        stop()
    }

    /// The live workers by function: `[(session-function, [pid…]), …]`, sorted by name.
    func workersByFunction() -> [(name: String, pids: [pid_t])] {
        let workers = noteWorkers()
        let grouped = Dictionary(grouping: workers) { ProcessTable.executableName($0) ?? "?" }
        return grouped.keys.sorted().map { ($0, grouped[$0] ?? []) }
    }

    /// The runner's children now, remembered.
    @discardableResult
    private func noteWorkers() -> [pid_t] {
        let children = ProcessTable.children(of: process.processIdentifier)
        knownWorkers.formUnion(children)
        return children
    }

    /// The last lines of the log, for failure messages.
    var logTail: String {
        String(((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").suffix(2000))
    }

    /// SIGTERM, as a user's Ctrl-C would (the runner lets requests finish, then stops its
    /// workers); SIGKILL for a runner still running after a minute, and for any worker left.
    /// Returns the runner's exit status and the workers that had to be killed. Safe to call twice.
    @discardableResult
    func stop() -> (status: Int32, leftWorkers: [pid_t]) {
        if process.isRunning {
            noteWorkers()
            kill(process.processIdentifier, SIGTERM)
            let deadline = ContinuousClock.now + .seconds(60)
            while process.isRunning, ContinuousClock.now < deadline {
                usleep(20_000)
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
            }
        }
        process.waitUntilExit()
        ChildProcesses.unregister(process.processIdentifier)
        _ = ProcessTable.waitUntilGone(Array(knownWorkers), within: .seconds(10))
        let left = knownWorkers.filter(ProcessTable.isAlive).sorted()
        for pid in left {
            kill(pid, SIGKILL)
        }
        knownWorkers.removeAll()
        return (process.terminationStatus, left)
    }
}
