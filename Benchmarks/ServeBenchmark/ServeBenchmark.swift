import BenchmarkSupport
import ProcessTools
import CurlHTTP
import Dispatch
import Foundation
import Synchronization

/// What to run, from the command line.
struct ServeBenchmarkOptions {
    var learners = 100
    /// The learners of the second, lightly loaded pass (0: none).
    var fewLearners = 10
    var workers = 4
    var sessions = 3
    var questionsPerSession = 10
    var bankSize = 200
    /// Answers of the in-process baseline (0: skip it).
    var baselineAnswers = 20_000
    /// Rounds of an in-process baseline followed by a pass of `learners`; the ratio reported is
    /// the median of the rounds' ratios.
    var rounds = 3
}

/// Measures the answer function in process with the learners' requests, mints tokens, starts
/// the runner and imports the bank; then, round by round, measures the answer function in process
/// (the baseline) and runs a pass of many learners; then a pass of few; reports the figures, each
/// round's ratio to its baseline and their median, and stops.
struct ServeBenchmark {
    static let bankID = "bench"
    static let functions = ["session", "quiz", "answer", "progress", "maintenance"]
    /// The share of the in-process answers/s the runner is to keep.
    static let targetRatio = 0.40

    let options: ServeBenchmarkOptions
    let runner: String
    let directory: String

    /// Resolves the runner and the five bootstraps before anything starts.
    init(options: ServeBenchmarkOptions) throws {
        self.options = options
        runner = try Executables.product("local-runner")
        for function in Self.functions {
            _ = try Executables.product("\(function)-function")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("quiz-serve-bench-\(getpid())").path
    }

    /// What one pass of learners did, and what it cost each process.
    struct Pass {
        var learners: Int
        var collected: Collected.State
        var wall: Duration
        var load: String
        /// CPU seconds during the pass: the runner, the workers by function, this process (the learners).
        var runnerCPU: Double
        var workerCPU: [(name: String, seconds: Double)]
        var clientCPU: Double

        var answersPerSecond: Double { Double(collected.answers) / (wall.milliseconds / 1000) }
    }

    /// One round: the answer function in process (none with `--baseline-answers 0`), then a
    /// pass of many learners through serve.
    struct Round {
        var baseline: InProcessBaseline?
        var pass: Pass
    }

    /// Runs the benchmark; true when there were no errors.
    func run() throws -> Bool {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var keepLogs = true
        defer {
            if keepLogs {
                printError("quiz-serve-bench: the runner's log and database are kept in \(directory)")
            } else {
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
        // 48 random hex digits: HS256 wants a secret of at least 32 bytes.
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<3).map { _ in String(generator.next() as UInt64, radix: 16) }.joined() + "-quiz-serve-bench-secret"

        print("local-runner and bootstraps: \(Executables.directory.path)")
        print("cores: \(ProcessInfo.processInfo.activeProcessorCount); load average at start: \(LoadAverage.now)")

        // The learners' own requests in process (each answer with an Idempotency-Key and
        // expectedVersion): what the runner costs, apart from what a key costs. Measured once.
        var sameRequests: InProcessBaseline?
        if options.baselineAnswers > 0 {
            let keyed = try InProcessBaseline.measure(answers: options.baselineAnswers, idempotencyKeys: true)
            sameRequests = keyed
            print(String(format: "in process with the learners' requests (quiz-answer-bench --answers %d --idempotency-keys): %.0f answers/s in the handler", options.baselineAnswers, keyed.answersPerSecond)
                + (keyed.cpuMicroseconds.map { String(format: ", %.1f µs CPU per answer", $0) } ?? ""))
        }

        let tokens = try mintTokens(secret: secret)
        let serve = try ServeProcess(runner: runner, workers: options.workers, directory: directory, secret: secret)
        defer { serve.stop() }
        print("serve: http://127.0.0.1:\(serve.port), --workers \(options.workers), SQLite file \(directory)/quiz.db")

        let setup = try CurlHTTPClient(configuration: .init(requestTimeout: .seconds(60)))
        let health = try setup.send(HTTPRequest(url: "http://127.0.0.1:\(serve.port)/health"))
        guard health.status == 200 else {
            throw ToolFailure("GET /health answered \(health.status): \(String(decoding: health.body, as: UTF8.self))\n\(serve.logTail)")
        }
        let bank = QuizAPI.bank(count: options.bankSize)
        let clock = ContinuousClock()
        let importStart = clock.now
        let imported = try setup.send(
            HTTPRequest(
                method: .post, url: "http://127.0.0.1:\(serve.port)/banks/\(Self.bankID)/questions",
                headers: [
                    (name: "Authorization", value: "Bearer \(tokens.author)"), (name: "Content-Type", value: "application/json"),
                    (name: "Idempotency-Key", value: "import-\(Self.bankID)"),
                ],
                body: Array(try JSONEncoder().encode(bank))))
        let importTime = importStart.duration(to: clock.now)
        guard imported.status == 201 else {
            throw ToolFailure("importing the bank answered \(imported.status): \(String(decoding: imported.body.prefix(500), as: UTF8.self))")
        }
        print(String(format: "bank: %d questions imported by an author in %.1f ms", bank.count, importTime.milliseconds) + " (POST /banks/\(Self.bankID)/questions, 201)")

        let script = Learner.Script(
            port: serve.port, bankID: Self.bankID, questionsPerSession: options.questionsPerSession, sessions: options.sessions,
            correctChoice: Dictionary(uniqueKeysWithValues: bank.map { ($0.id, $0.correctAnswers[0]) }))
        print("each learner: \(options.sessions) session(s) of \(options.questionsPerSession) questions, 1 first try in 4 wrong, no think time")
        // Rounds of the in-process baseline, then a pass of many learners through serve, so that
        // each ratio compares two measurements taken a moment apart; then one pass of few.
        var offset = 0
        // The next `count` learners, each with a token no earlier pass used.
        func nextPass(_ count: Int) -> Pass {
            defer { offset += count }
            return runPass(serve: serve, tokens: Array(tokens.learners[offset..<(offset + count)]), firstNumber: offset + 1, script: script)
        }
        var rounds: [Round] = []
        for number in 1...options.rounds {
            var baseline: InProcessBaseline?
            if options.baselineAnswers > 0 {
                let measured = try InProcessBaseline.measure(answers: options.baselineAnswers)
                baseline = measured
                print()
                print(String(format: "round %d: in process (quiz-answer-bench --answers %d, load %@): %.0f answers/s in the handler", number, options.baselineAnswers, measured.load, measured.answersPerSecond)
                    + (measured.cpuMicroseconds.map { String(format: ", %.1f µs CPU per answer", $0) } ?? ""))
                print("  \(measured.latency)")
            }
            let pass = nextPass(options.learners)
            report(pass, round: number)
            rounds.append(Round(baseline: baseline, pass: pass))
        }
        var passes = rounds.map(\.pass)
        if options.fewLearners > 0 {
            let pass = nextPass(options.fewLearners)
            report(pass, round: nil)
            passes.append(pass)
        }

        let memory = serve.workersByFunction().map { entry in
            (entry.name, entry.pids.compactMap(ProcessTable.memory(of:)).map(\.rssMiB).max() ?? 0, entry.pids.count)
        }
        let runnerMemory = ProcessTable.memory(of: serve.process.processIdentifier)
        let stopped = serve.stop()

        var errors = 0
        var firstErrors: [String] = []
        for pass in passes {
            errors += pass.collected.errors
            firstErrors += pass.collected.firstErrors
            let expectedSessions = pass.learners * options.sessions
            if pass.collected.sessionsCompleted != expectedSessions, pass.collected.errors == 0 {
                errors += 1
                firstErrors.append("\(pass.collected.sessionsCompleted) sessions completed, \(expectedSessions) expected")
            }
        }
        print()
        if let runnerMemory { print("runner's VmRSS after the runs: \(runnerMemory.description)") }
        print("workers' VmRSS after the runs (largest per function):")
        for (name, rss, count) in memory {
            print("  " + name.padded(22) + String(format: " %5.1f MiB  (%d processes)", rss, count))
        }
        print("serve stopped with status \(stopped.status); workers left running: \(stopped.leftWorkers.count)")
        if !stopped.leftWorkers.isEmpty {
            errors += 1
            firstErrors.append("workers still running after serve stopped: \(stopped.leftWorkers)")
        }
        reportRatio(rounds, sameRequests: sameRequests)
        print("errors     \(errors)")
        for error in firstErrors.prefix(5) {
            print("  \(error)")
        }
        keepLogs = errors > 0
        return errors == 0
    }

    /// Runs `tokens.count` learners at once and samples every process's CPU around them.
    func runPass(serve: ServeProcess, tokens: [String], firstNumber: Int, script: Learner.Script) -> Pass {
        let workers = serve.workersByFunction()
        let runnerPID = serve.process.processIdentifier
        let runnerBefore = ProcessCPU.seconds(of: runnerPID)
        let workersBefore = workers.map { entry in entry.pids.reduce(0) { $0 + ProcessCPU.seconds(of: $1) } }
        let clientBefore = ProcessCPU.own
        let load = LoadAverage.now
        let (collected, wall) = runLearners(tokens: tokens, firstNumber: firstNumber, script: script)
        let workerCPU = zip(workers, workersBefore).map { entry, before in
            (name: entry.name, seconds: entry.pids.reduce(0) { $0 + ProcessCPU.seconds(of: $1) } - before)
        }
        return Pass(
            learners: tokens.count, collected: collected, wall: wall, load: load, runnerCPU: ProcessCPU.seconds(of: runnerPID) - runnerBefore,
            workerCPU: workerCPU, clientCPU: ProcessCPU.own - clientBefore)
    }

    /// Prints the ratio of every round and their median, which is what the target is held
    /// against: one pass lasts seconds, and on a 2-core machine a single pass's rate moves by
    /// several percent from one to the next.
    func reportRatio(_ rounds: [Round], sameRequests: InProcessBaseline?) {
        let measured = rounds.compactMap { round in round.baseline.map { (pass: round.pass, baseline: $0, ratio: round.pass.answersPerSecond / $0.answersPerSecond) } }
        guard !measured.isEmpty else { return }
        print()
        for (index, round) in measured.enumerated() {
            print(String(format: "round %d    serve %.0f answers/s (%d learners) / in process %.0f answers/s = %.1f%%",
                index + 1, round.pass.answersPerSecond, round.pass.learners, round.baseline.answersPerSecond, 100 * round.ratio))
        }
        let ordered = measured.sorted { $0.ratio < $1.ratio }
        // The lower of the two middle rounds when their number is even.
        let median = ordered[(ordered.count - 1) / 2]
        print(String(format: "ratio      median of %d round(s): serve %.0f / in process %.0f answers/s = %.1f%% (rounds %.1f–%.1f%%; target >= %.0f%%: %@)",
            measured.count, median.pass.answersPerSecond, median.baseline.answersPerSecond, median.ratio * 100,
            100 * ordered[0].ratio, 100 * ordered[ordered.count - 1].ratio, Self.targetRatio * 100,
            median.ratio >= Self.targetRatio ? "met" : "NOT met"))
        if let sameRequests {
            print(String(format: "           serve / in process with the same requests: %.0f / %.0f answers/s = %.1f%%",
                median.pass.answersPerSecond, sameRequests.answersPerSecond, 100 * median.pass.answersPerSecond / sameRequests.answersPerSecond))
        }
        // CPU time does not move with the machine's other load, as rates do.
        let answers = Double(max(1, rounds.reduce(0) { $0 + $1.pass.collected.answers }))
        let server = rounds.reduce(0) { $0 + $1.pass.runnerCPU + $1.pass.workerCPU.reduce(0) { $0 + $1.seconds } } / answers * 1e6
        let clients = rounds.reduce(0) { $0 + $1.pass.clientCPU } / answers * 1e6
        let inProcess = measured.compactMap(\.baseline.cpuMicroseconds)
        if !inProcess.isEmpty {
            print(String(format: "cpu        per answer over the rounds: serve %.0f µs (runner and workers; %.0f µs with the learners), in process %.0f µs (handler)",
                server, server + clients, inProcess.reduce(0, +) / Double(inProcess.count)))
        }
    }

    /// Prints one pass: rates, latencies per route, and CPU per request per process.
    func report(_ pass: Pass, round: Int?) {
        let collected = pass.collected
        let seconds = pass.wall.milliseconds / 1000
        print()
        print((round.map { "round \($0): " } ?? "") + "\(pass.learners) learners at once (load average at start \(pass.load))")
        print(String(format: "requests   %d in %.2f s: %.0f requests/s, %.0f answers/s (%d answers, %d of them wrong; %d sessions completed)",
            collected.requests, seconds, Double(collected.requests) / seconds, pass.answersPerSecond,
            collected.answers, collected.wrongAnswers, collected.sessionsCompleted))
        print("route                              count     p50 ms    p99 ms    max ms")
        for route in RouteClass.allCases {
            guard let summary = LatencySummary(collected.latencies[route] ?? []) else { continue }
            print(route.rawValue.padded(32) + String(format: " %7d  %9.2f %9.2f %9.2f", summary.count, summary.p50.milliseconds, summary.p99.milliseconds, summary.max.milliseconds))
        }
        let requests = Double(max(1, collected.requests))
        var parts = [("runner (gateway + Runtime API)", pass.runnerCPU)] + pass.workerCPU.map { ("\($0.name) workers", $0.seconds) }
        parts.append(("learners (this process)", pass.clientCPU))
        let total = parts.reduce(0) { $0 + $1.1 }
        print(String(format: "CPU per request, by process (%.2f CPU-s over %.2f s of wall time, %.0f%% of 2 cores):", total, seconds, total / seconds / 2 * 100))
        for (name, cpu) in parts where cpu > 0 {
            print("  " + name.padded(32) + String(format: " %7.1f µs", cpu / requests * 1e6))
        }
    }

    /// One author token and one token per learner, from `local-runner token` as a user mints
    /// them, two at a time (one per core).
    func mintTokens(secret: String) throws -> (author: String, learners: [String]) {
        let users = ["bench-author"] + (1...(options.rounds * options.learners + options.fewLearners)).map { "learner-\($0)" }
        let minted = Mutex([String?](repeating: nil, count: users.count))
        let failure = Mutex<String?>(nil)
        let runner = runner
        let started = ContinuousClock.now
        let next = Atomic(0)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < users.count else { return }
                let groups = index == 0 ? ["--group", "authors"] : []
                do {
                    let result = try ProgramRun.run(
                        runner, ["token", users[index], "--lifetime", "7200"] + groups, environment: ["QUIZ_JWT_SECRET": secret])
                    guard result.status == 0, !result.output.isEmpty else {
                        failure.withLock { $0 = $0 ?? "local-runner token \(users[index]) exited \(result.status): \(result.errors)" }
                        return
                    }
                    minted.withLock { $0[index] = result.output }
                } catch {
                    failure.withLock { $0 = $0 ?? "local-runner token could not run: \(error)" }
                    return
                }
            }
        }
        if let message = failure.withLock({ $0 }) {
            throw ToolFailure(message)
        }
        let tokens = minted.withLock { $0.compactMap { $0 } }
        guard tokens.count == users.count else { throw ToolFailure("some tokens were not minted") }
        print(String(format: "tokens: %d minted with `local-runner token` in %.1f s", tokens.count, started.duration(to: .now).milliseconds / 1000))
        return (tokens[0], Array(tokens.dropFirst()))
    }

    /// Starts one thread per learner, releases them together, and waits for all; returns what
    /// they collected and the time from release to the last learner's end.
    func runLearners(tokens: [String], firstNumber: Int, script: Learner.Script) -> (Collected.State, Duration) {
        let collected = Collected()
        let ready = DispatchSemaphore(value: 0)
        let go = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for (index, token) in tokens.enumerated() {
            done.enter()
            // Each learner makes its own client on its own thread: a libcurl handle is never
            // shared between threads.
            let thread = Thread {
                ready.signal()
                go.wait()
                do {
                    var learner = try Learner(number: firstNumber + index, token: token, script: script)
                    learner.run()
                    collected.add(learner)
                } catch {
                    collected.addFailure("learner \(firstNumber + index): no HTTP client: \(error)")
                }
                done.leave()
            }
            thread.start()
        }
        for _ in tokens {
            ready.wait()
        }
        let start = ContinuousClock.now
        for _ in tokens {
            go.signal()
        }
        done.wait()
        let wall = start.duration(to: .now)
        return (collected.state.withLock { $0 }, wall)
    }
}

extension String {
    /// This text padded with spaces to `width` characters, for table columns.
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
