import ProcessTools
import Foundation
import QuizTestSupport
import Testing

/// `local-runner serve` starting, stopping and restarting: sessions outlive the runner, and no
/// worker process outlives it (docs/architecture.md#no-memory-between-requests; docs/local-runner.md).
@Suite("serve: lifecycle", .serialized)
struct ServeLifecycleTests {
    @Test("a session started before a restart continues after it, and SIGTERM stops every worker")
    func sessionSurvivesRestart() async throws {
        let folder = TemporaryFolder()
        let author = try ServeTokens.mint("author", groups: ["authors"])
        let learner = try ServeTokens.mint("learner-1")

        let first = try await ServeInstance(folder: folder, name: "first")
        var client = ServeClient(port: first.port)
        try await client.importBank("b1", questions: 6, token: author)
        let sessionId = try await client.startSession(bankId: "b1", questions: 3, token: learner)
        let questionId = try await client.currentQuestion(sessionId, token: learner)
        let beforeFirst = try await client.session(sessionId, token: learner)
        let wrong = try await client.answer(sessionId, questionId, choice: "a", token: learner)
        #expect(wrong.status == 200, "\(wrong.text)")
        #expect(wrong.json["nextAction"] as? String == "RETRY_SAME_QUESTION")
        let versionBeforeStop = try #require(wrong.json["version"] as? Int)
        let step = versionBeforeStop - (try #require(beforeFirst["version"] as? Int))

        let workers = first.workers()
        #expect(workers.count == 9, "2 workers for each of 4 HTTP functions, 1 for maintenance: \(workers)")
        #expect(try await first.stop(signal: SIGTERM) == 0, "\(first.log)")
        #expect(first.survivingWorkers.isEmpty, "workers outlived the runner: \(first.survivingWorkers)")
        #expect(first.log.contains("every worker has exited"))

        let second = try await ServeInstance(folder: folder, name: "second")
        client = ServeClient(port: second.port)
        let resumed = try await client.session(sessionId, token: learner)
        #expect(resumed["version"] as? Int == versionBeforeStop)
        #expect(resumed["answersSubmitted"] as? Int == 1)
        #expect(resumed["currentQuestionId"] as? String == questionId)

        // The same question is served again, as it was answered wrong: a second wrong answer
        // moves the version exactly as the first did, then a right one moves the session on.
        let wrongAgain = try await client.answer(sessionId, questionId, choice: "c", token: learner)
        #expect(wrongAgain.status == 200, "\(wrongAgain.text)")
        #expect(wrongAgain.json["nextAction"] as? String == "RETRY_SAME_QUESTION")
        #expect(wrongAgain.json["version"] as? Int == versionBeforeStop + step)
        let right = try await client.answer(sessionId, questionId, choice: "b", token: learner)
        #expect(right.status == 200, "\(right.text)")
        #expect(right.json["correct"] as? Bool == true)
        #expect(right.json["nextAction"] as? String == "NEXT_QUESTION")
        let after = try await client.session(sessionId, token: learner)
        #expect(after["answersSubmitted"] as? Int == 3)
        #expect(after["version"] as? Int == right.json["version"] as? Int)
        #expect((after["version"] as? Int ?? 0) > versionBeforeStop + step)
        #expect(try await second.stop(signal: SIGINT) == 0, "\(second.log)")
        #expect(second.survivingWorkers.isEmpty, "workers outlived the runner: \(second.survivingWorkers)")
    }

    @Test("the maintenance function runs on its schedule, through its own worker")
    func scheduledMaintenance() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "1", "--maintenance-interval", "1"])
        let deadline = ContinuousClock.now + .seconds(60)
        while !serve.log.contains("local-runner: scheduled maintenance {"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let line = try #require(serve.log.split(separator: "\n").first { $0.hasPrefix("local-runner: scheduled maintenance {") })
        let summary = try #require(line.firstRange(of: "{").map { line[$0.lowerBound...].prefix { $0 != "}" } + "}" })
        let counts = try #require(try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any])
        #expect(Set(counts.keys) == [
            "sessionsScanned", "sessionsExpired", "sessionsAbandoned", "expiredItemsRemoved", "staleIndexItemsRemoved", "itemsSkipped",
            "shardsCompleted", "stoppedByBudget", "nextShard", "banksGivenOrdinals",
        ])
        #expect(serve.workers(of: "maintenance").count == 1)
        #expect(try await serve.stop() == 0)
    }

    @Test("workers of a runner killed with SIGKILL exit by themselves when their Runtime API goes away")
    func workersOfAKilledRunnerExit() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "1"])
        let workers = serve.workers()
        #expect(workers.count == 5)
        #expect(try await serve.stop(signal: SIGKILL) == SIGKILL)
        #expect(try await ProcessTable.waitUntilGone(workers), "orphaned workers: \(serve.survivingWorkers)")
    }

    @Test("a function that cannot initialise stops the start with its error, and exit status 1")
    func initialisationFailureStopsTheStart() async throws {
        let folder = TemporaryFolder()
        let logPath = "\(folder.path)/failing.log"
        let process = try ServeInstance.launch(
            folder: folder, arguments: ["--workers", "1"], environment: ["QUIZ_STORE_URL": "mysql://nowhere"], logPath: logPath)
        try await ProcessTable.waitForExit(process)
        let log = try String(contentsOfFile: logPath, encoding: .utf8)
        #expect(process.terminationStatus == 1, "\(log)")
        #expect(log.contains("function failed to initialise: ConfigurationError: QUIZ_STORE_URL must be sqlite:PATH"), "\(log)")
        #expect(!log.contains("serving http://"))
    }

    @Test("a missing bootstrap is named, with how to build it")
    func missingBootstrap() async throws {
        let folder = TemporaryFolder()
        // Its data directory in the test's folder: serve makes the secret before it looks for bootstraps.
        let output = try RunnerProcess.start(
            ["serve", "--port", "0", "--bootstrap-dir", folder.path], environment: ["QUIZ_DATA_DIR": "\(folder.path)/data"]
        ).wait()
        #expect(output.status != 0)
        #expect(output.stderr.contains("no executable session-function in \(folder.path)"), "\(output.stderr)")
    }
}
