import Foundation
import QuizHTTP
import QuizTestSupport
import Testing

/// A learner's whole journey through the four functions, each request on a freshly built function.
@Suite("A learner's journey")
struct JourneyTests {
    @Test("start, retry a wrong answer, master it through the pool, finish, see progress", arguments: StoreBackend.all)
    func wholeJourney(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()

        let sessionId = try await harness.startSession(count: 3)
        let started = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
        #expect(started.status == 200)
        let state = try #require(started.object["session"])
        #expect(state["status"] as? String == "started")
        #expect(state["version"] as? Int == 1)
        #expect(state["questionCount"] as? Int == 3)
        #expect(state["timeRemainingSeconds"] as? Int == 1800)
        #expect(state["penaltyIndicator"] as? String == "")

        // The first question: choices, never the correct answers.
        let first = try await harness.currentQuestion(sessionId)
        let firstId = try #require(first["questionId"] as? String)
        let order = (first["answers"] as? [[String: String]])?.map { $0["id"]! } ?? []
        #expect(Set(order) == Set(Bank.question(firstId).answerIds))
        #expect(first["correctAnswers"] == nil && first["explanation"] == nil)
        #expect(first["attempt"] as? Int == 1)
        // Reading it again, as after a disconnect, shows the same serving.
        let again = try await harness.currentQuestion(sessionId)
        #expect((again["answers"] as? [[String: String]])?.map { $0["id"]! } == order)

        // Wrong: the same question again at once, reshuffled.
        let wrong = try await harness.answer(sessionId, questionId: firstId, Bank.wrong(firstId))
        #expect(wrong.status == 200)
        #expect(wrong.json["correct"] as? Bool == false)
        #expect(wrong.json["nextAction"] as? String == "RETRY_SAME_QUESTION")
        let retry = try #require(wrong.object["question"])
        #expect(retry["questionId"] as? String == firstId)
        #expect(retry["attempt"] as? Int == 2)
        #expect((retry["answers"] as? [[String: String]])?.map { $0["id"]! } != order)
        #expect(wrong.json["explanation"] == nil)

        // Correct after a wrong try: it enters the pool with 2 tries.
        let fixed = try await harness.answer(sessionId, questionId: firstId, Bank.correct[firstId]!)
        #expect(fixed.json["correct"] as? Bool == true)
        #expect(fixed.json["penaltyIndicator"] as? String == "(+1 Question @ 2 Tries)")
        #expect(fixed.json["explanation"] as? String == "Because.")

        // Answer everything correctly until the session completes; the pool entry is reviewed twice.
        var next = fixed
        var submissions = 2
        var reviews = 0
        while next.json["nextAction"] as? String != "SESSION_COMPLETE" {
            let question = try #require(next.object["question"])
            let id = try #require(question["questionId"] as? String)
            if question["review"] as? Bool == true { reviews += 1 }
            next = try await harness.answer(sessionId, questionId: id, Bank.correct[id]!)
            #expect(next.status == 200, "\(next.body)")
            submissions += 1
            try #require(submissions < 20)
        }
        #expect(reviews == 2)
        #expect(submissions == 6)
        #expect(next.json["penaltyIndicator"] as? String == "")
        #expect(next.json["question"] is NSNull, "question is null, not absent, once complete")
        let results = try #require(next.object["results"])
        #expect(results["answersSubmitted"] as? Int == 6)
        #expect(results["mastered"] as? [String] == [firstId])

        let finished = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
        #expect(finished.object["session"]?["status"] as? String == "completed")
        #expect(finished.object["session"]?["completedCount"] as? Int == 3)

        let progress = try await harness.send(.progress, Harness.request(.get, "/users/me/progress"))
        #expect(progress.status == 200)
        let totals = try #require(progress.object["totals"])
        #expect(totals["answers"] as? Int == 6)
        #expect(totals["correct"] as? Int == 5)
        #expect(totals["accuracy"] as? Double == 0.833)
        #expect(progress.json["mastered"] as? Int == 1)
        #expect(progress.object["pool"]?["size"] as? Int == 0)
        #expect(progress.object["sessions"]?["completed"] as? Int == 1)
        #expect(progress.object["sessions"]?["started"] as? Int == 0)
        #expect(progress.object["sessions"]?["in_progress"] as? Int == 0)
        let categories = try #require(progress.json["categories"] as? [[String: Any]])
        #expect(categories.reduce(0) { $0 + ($1["answers"] as? Int ?? 0) } == 6)
    }

    @Test("a session survives a restart: a new process continues it", arguments: StoreBackend.all)
    func resumeAfterRestart(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()
        let sessionId = try await harness.startSession(count: 2)
        let question = try await harness.currentQuestion(sessionId)
        // Every call builds a new store connection and function: nothing is carried in memory.
        let id = try #require(question["questionId"] as? String)
        let reply = try await harness.answer(sessionId, questionId: id, Bank.correct[id]!)
        #expect(reply.status == 200)
        #expect(reply.json["version"] as? Int == 4, "answered (3), then served the next question (4)")
        let resumed = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
        #expect(resumed.object["session"]?["version"] as? Int == 4)
        #expect(resumed.object["session"]?["status"] as? String == "in_progress")
        #expect(resumed.object["session"]?["currentQuestionId"] as? String == reply.object["question"]?["questionId"] as? String)
    }
}
