import ProcessTools
import Foundation
import Glibc
import QuizTestSupport
import Testing

/// `local-runner serve` with several workers per function: requests spread over the workers, and a worker
/// killed mid-run loses nothing (docs/architecture.md#no-memory-between-requests,
/// docs/http-contract.md#idempotency-and-exactly-once).
@Suite("serve: workers", .serialized)
struct ServeWorkerTests {
    @Test("a whole journey works end to end while its requests land on different workers")
    func journeyAcrossWorkers() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "2"])
        let client = ServeClient(port: serve.port)
        let author = try ServeTokens.mint("author", groups: ["authors"])
        let learner = try ServeTokens.mint("traveller")
        let workers = Set(serve.workers())

        try await client.importBank("b1", questions: 8, token: author)
        let sessionId = try await client.startSession(bankId: "b1", questions: 4, token: learner)
        var questionId = try await client.currentQuestion(sessionId, token: learner)
        var servedBy: [String: [pid_t]] = [:]
        var answers = 0
        var finished = false
        // One wrong answer first, so the journey also passes through the wrong-answer pool.
        for choice in ["a"] + Array(repeating: "b", count: 12) {
            let reply = try await client.answer(sessionId, questionId, choice: choice, token: learner)
            #expect(reply.status == 200, "\(reply.text)")
            answers += 1
            servedBy["answer", default: []].append(try #require(reply.workerPID))
            if reply.json["nextAction"] as? String == "SESSION_COMPLETE" {
                finished = true
                break
            }
            questionId = try #require((reply.json["question"] as? [String: Any])?["questionId"] as? String)
        }
        #expect(finished)
        for _ in 0..<2 {
            let state = try await client.send("GET", "/sessions/\(sessionId)", token: learner)
            #expect(state.status == 200)
            servedBy["session", default: []].append(try #require(state.workerPID))
            let progress = try await client.send("GET", "/users/me/progress", token: learner)
            #expect(progress.status == 200)
            #expect((progress.json["totals"] as? [String: Any])?["answers"] as? Int == answers)
            servedBy["progress", default: []].append(try #require(progress.workerPID))
        }
        let session = try await client.session(sessionId, token: learner)
        #expect(session["status"] as? String == "completed")
        #expect(session["answersSubmitted"] as? Int == answers)

        // The longest-waiting worker takes each request: back-to-back requests alternate.
        for (function, pids) in servedBy {
            #expect(Set(pids).count == 2, "\(function) requests all went to \(Set(pids))")
            #expect(Set(pids).isSubset(of: workers), "\(function) was answered by a process that is not a worker")
        }
        #expect(serve.log.contains("POST /sessions/\(sessionId)/answer 200 "), "one log line per request")
        #expect(try await serve.stop() == 0)
        #expect(serve.survivingWorkers.isEmpty)
    }

    @Test("kill -9 of a worker mid-run: its caller gets 502, a retry with the same Idempotency-Key applies the answer once, a replacement serves")
    func workerKilledMidRun() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "2", "--timeout", "10"])
        let client = ServeClient(port: serve.port)
        let author = try ServeTokens.mint("author", groups: ["authors"])
        let learner = try ServeTokens.mint("survivor")
        try await client.importBank("b1", questions: 16, token: author)
        let sessionId = try await client.startSession(bankId: "b1", questions: 12, token: learner)
        let original = Set(serve.workers(of: "answer"))
        #expect(original.count == 2)

        var questionId = try await client.currentQuestion(sessionId, token: learner)
        var accepted = 0
        var failures: [ServeClient.Response] = []
        var lastPID: pid_t?
        var killed: [pid_t] = []
        var finished = false
        for index in 0..<40 {
            // The longest-waiting worker takes each answer, so answer 3 goes to the worker that
            // did not take answer 2: it is stopped, handed the answer, then killed. Answer 7's
            // worker is killed as the answer is sent, wherever that finds it.
            let next = serve.workers(of: "answer").first { $0 != lastPID }
            let kill: MidRunKill = switch (index, next) {
            case (3, let victim?): .afterDelivery(victim)
            case (7, let victim?): .whileSending(victim)
            default: .none
            }
            if case .afterDelivery(let victim) = kill { killed.append(victim) }
            if case .whileSending(let victim) = kill { killed.append(victim) }
            let outcome = try await Self.answerWithRetries(client, sessionId, questionId, key: UUID().uuidString, token: learner, kill: kill)
            if outcome.deliveredToVictim {
                #expect(outcome.failures.first?.status == 502, "the caller of the killed worker gets 502")
                #expect(outcome.failures.first?.errorCode == "WORKER_FAILED")
            }
            failures += outcome.failures
            let reply = outcome.final
            #expect(reply.status == 200, "\(reply.text)")
            guard reply.status == 200 else { break }
            accepted += 1
            lastPID = reply.workerPID
            if reply.json["nextAction"] as? String == "SESSION_COMPLETE" {
                finished = true
                break
            }
            questionId = try #require((reply.json["question"] as? [String: Any])?["questionId"] as? String)
        }
        #expect(finished)
        #expect(killed.count == 2)
        #expect(!killed.contains(where: ProcessTable.isAlive))
        for failure in failures {
            #expect([502, 409].contains(failure.status), "\(failure.text)")
            #expect(["WORKER_FAILED", "REQUEST_IN_PROGRESS"].contains(failure.errorCode ?? ""), "\(failure.text)")
            #expect(failure.errorRequestID == failure.header("apigw-requestid"))
        }

        // Exactly once: the session and the progress counted every accepted answer, no more.
        let session = try await client.session(sessionId, token: learner)
        #expect(session["answersSubmitted"] as? Int == accepted)
        #expect(session["status"] as? String == "completed")
        let progress = try await client.send("GET", "/users/me/progress", token: learner)
        #expect((progress.json["totals"] as? [String: Any])?["answers"] as? Int == accepted)

        // Replacements take requests: the answer function answers a late answer (409, the
        // session is over) from a process that was not there at the start.
        var replacementSeen = false
        for _ in 0..<600 where !replacementSeen {
            let late = try await client.answer(sessionId, questionId, choice: "b", token: learner)
            #expect(late.status == 409)
            replacementSeen = late.workerPID.map { !original.contains($0) } ?? false
            if !replacementSeen { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(replacementSeen, "no replacement answer worker served a request")
        #expect(serve.log.contains("was killed by signal 9 (SIGKILL)"), "the runner logs the crash")
        #expect(try await serve.stop() == 0)
        #expect(serve.survivingWorkers.isEmpty)
    }

    /// How a worker dies during one answer.
    enum MidRunKill {
        case none
        /// SIGSTOP, then SIGKILL once the answer's invocation sits unread in its socket: its
        /// caller was certainly in flight.
        case afterDelivery(pid_t)
        /// SIGKILL as the answer is sent: it may die before, while or after handling it.
        case whileSending(pid_t)
    }

    /// One answer, retried with the same key and body after a 502 or a 409
    /// `REQUEST_IN_PROGRESS`, as a careful client does, with a worker killed as `kill` says.
    static func answerWithRetries(
        _ client: ServeClient, _ sessionId: String, _ questionId: String, key: String, token: String, kill: MidRunKill
    ) async throws -> (final: ServeClient.Response, failures: [ServeClient.Response], deliveredToVictim: Bool) {
        var failures: [ServeClient.Response] = []
        var delivered = false
        if case .afterDelivery(let victim) = kill { Glibc.kill(victim, SIGSTOP) }
        let deadline = ContinuousClock.now + .seconds(120)
        var attempt = 0
        while true {
            let sending = Task { try await client.answer(sessionId, questionId, choice: "b", token: token, key: key) }
            if attempt == 0 {
                switch kill {
                case .none:
                    break
                case .afterDelivery(let victim):
                    delivered = try await ProcessTable.waitForUnreadInput(victim)
                    Glibc.kill(victim, SIGKILL)
                case .whileSending(let victim):
                    Glibc.kill(victim, SIGKILL)
                }
            }
            attempt += 1
            let reply = try await sending.value
            let retryable = reply.status == 502 || (reply.status == 409 && reply.errorCode == "REQUEST_IN_PROGRESS")
            guard retryable, ContinuousClock.now < deadline else { return (reply, failures, delivered) }
            failures.append(reply)
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
