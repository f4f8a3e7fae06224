import Foundation
import QuizData
import QuizFunctions
import QuizHTTP
import QuizStore
import Testing

/// `review` sessions through the handlers: the mode is kept with the session, and the quiz
/// rules of retries and the wrong-answer pool hold in it.
@Suite("Review sessions")
struct ReviewSessionTests {
    @Test("a review session keeps its mode across requests and follows the retry and pool rules", arguments: StoreBackend.all)
    func reviewSession(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()
        let started = try await harness.send(
            .session, Harness.request(.post, "/sessions", json: ["bankId": "bank-1", "mode": "review", "category": "algebra", "questionCount": 5]))
        #expect(started.status == 201, "\(started.body)")
        #expect(started.object["session"]?["mode"] as? String == "review")
        #expect(started.object["session"]?["questionCount"] as? Int == 2, "every algebra question is new, so due")
        let sessionId = try #require(started.object["session"]?["sessionId"] as? String)

        let first = try #require(try await harness.currentQuestion(sessionId)["questionId"] as? String)
        let wrong = try await harness.answer(sessionId, questionId: first, Bank.wrong(first))
        #expect(wrong.json["nextAction"] as? String == "RETRY_SAME_QUESTION")
        let right = try await harness.answer(sessionId, questionId: first, Bank.correct[first]!)
        #expect(right.json["penaltyIndicator"] as? String == "(+1 Question @ 2 Tries)")
        let state = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
        #expect(state.object["session"]?["mode"] as? String == "review")
        #expect(state.object["session"]?["completedCount"] as? Int == 1)

        // The item keeps the mode in its packed state: format 2 for a review, 1 for a quiz.
        let quiz = try await harness.startSession()
        let environment = try harness.environment()
        for (id, format) in [(sessionId, 2), (quiz, 1)] {
            let item = try #require(try await environment.store.get(Keys.session("learner-1", id), from: environment.tables.users))
            guard case .binary(let bytes)? = item[SessionRecord.stateAttribute] else {
                Issue.record("no packed state")
                continue
            }
            #expect(bytes.first == UInt8(format))
        }
        let quizState = try await harness.send(.session, Harness.request(.get, "/sessions/\(quiz)"))
        #expect(quizState.object["session"]?["mode"] as? String == "quiz")
    }

    @Test("a review session serves each new question of its set once before it completes")
    func reviewCompletes() async throws {
        let harness = Harness()
        try await harness.importBank()
        let sessionId = try await harness.startSession(count: 4, extra: ["mode": "review"])
        var served: [String] = []
        var finished = false
        for _ in 0..<8 {
            let id = try #require(try await harness.currentQuestion(sessionId)["questionId"] as? String)
            served.append(id)
            let reply = try await harness.answer(sessionId, questionId: id, Bank.correct[id]!)
            if reply.json["nextAction"] as? String == "SESSION_COMPLETE" {
                finished = true
                break
            }
        }
        #expect(finished)
        #expect(served.sorted() == ["q1", "q2", "q3", "q4"])
    }

    @Test("what was just learned is not due; a month later a review serves the least retained first, then the rest by id")
    func reviewFollowsMemory() async throws {
        let harness = Harness()
        try await harness.importBank()
        let cards = try await harness.startFlashcards(["source": "list", "questionIds": ["q3", "q2", "q1"]])
        for (card, rating) in [("q3", "good"), ("q2", "again"), ("q1", "good"), ("q2", "good")] {
            _ = try await harness.reveal(cards)
            let reply = try await harness.rate(cards, card, rating: rating)
            #expect(reply.status == 200, "\(reply.body)")
            #expect((reply.json["memory"] as? [String: Any])?["questionId"] as? String == card)
        }
        // q4 was never reviewed: it is the only question a review can hold today.
        let today = try await harness.send(.session, Harness.request(.post, "/sessions", json: ["bankId": "bank-1", "mode": "review"]))
        #expect(today.object["session"]?["questionCount"] as? Int == 1)
        #expect(today.object["session"]?["currentQuestionId"] as? String == "q4")
        let nothing = try await harness.send(
            .session, Harness.request(.post, "/sessions", json: ["bankId": "bank-1", "mode": "review", "category": "algebra"]))
        #expect(nothing.status == 422, "nothing in algebra is due or new: \(nothing.body)")

        harness.clock.advance(seconds: 30 * 86_400)
        let later = try await harness.send(
            .session, Harness.request(.post, "/sessions", json: ["bankId": "bank-1", "mode": "flashcards", "cardCount": 3]))
        let laterId = try #require(later.object["session"]?["sessionId"] as? String)
        var order: [String] = []
        for _ in 0..<3 {
            let front = try await harness.currentQuestion(laterId)
            let card = try #require(front["questionId"] as? String)
            order.append(card)
            _ = try await harness.reveal(laterId)
            _ = try await harness.rate(laterId, card, rating: "good")
        }
        #expect(order == ["q2", "q1", "q3"], "q2 was forgotten once: the least retained; q1 and q3 tie, by id")
    }
}
