import Foundation
import QuizData
import QuizEngine
import QuizFunctions
import QuizHTTP
import QuizStore
import QuizTestSupport
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

    @Test("a learner who has met all but 5 of 3,000 questions: review starts sample the bank, never read its index, and find the 5 over a few starts")
    func newQuestionsFromSamples() async throws {
        let harness = Harness()
        try await harness.importBank("big", questions: DrawTests.questions(0..<3000) { "c\($0 % 4)" })
        let unseen: Set<String> = ["q7", "q700", "q1500", "q2222", "q2999"]
        // Every other question met, due in a year: a memory item each, and nothing due.
        let environment = try harness.environment()
        let now = harness.clock.now
        let met = (0..<3000).map { "q\($0)" }.filter { !unseen.contains($0) }.map { id in
            let ref = QuestionRef(bankId: "big", questionId: id)
            let state = MemoryState(
                stability: 300, difficulty: 5, lastReviewAt: now, dueAt: now + 365 * 86_400_000, reps: 1, lapses: 0, lastRating: .good)
            let stored = MemoryRecord.Stored(ref: ref, category: "c\(Int(id.dropFirst())! % 4)", state: state, version: 1)
            return BatchWrite.put(MemoryRecord.item(stored, key: MemoryRecord.key("learner-1", ref), withVersion: true))
        }
        try await environment.store.batchWrite(met, in: environment.tables.users)

        var found: [String] = []
        // Each start finds each question still unseen with a chance of about 0.6: 16 starts miss one
        // with a chance of about 1 in a million.
        for _ in 0..<16 where Set(found) != unseen {
            let counted = FaultInjectingTableStore(wrapping: try harness.environment().store)
            let start = await harness.send(
                .session, Harness.request(.post, "/sessions", json: ["bankId": "big", "mode": "review", "questionCount": 10]),
                on: try harness.environment { _ in counted })
            // The due index and the pool are the only queries: the bank's 3,000 index entries would be 3 more.
            #expect(counted.calls.filter { $0.operation == .query }.count == 2, "\(counted.calls.map(\.operation))")
            guard start.status == 201 else {
                // Every sample missed the questions still unseen: a start with nothing new is refused.
                #expect(start.status == 422, "\(start.body)")
                continue
            }
            let sessionId = try #require(start.object["session"]?["sessionId"] as? String)
            let count = try #require(start.object["session"]?["questionCount"] as? Int)
            for _ in 0..<count {
                let id = try #require(try await harness.currentQuestion(sessionId)["questionId"] as? String)
                #expect(unseen.contains(id) && !found.contains(id), "\(id) is not new")
                found.append(id)
                let reply = try await harness.answer(sessionId, questionId: id, ["b"])
                #expect(reply.status == 200, "\(reply.body)")
            }
        }
        #expect(Set(found) == unseen)
        #expect(found.count == unseen.count)
        // All met now, none due: nothing left to review.
        let none = try await harness.send(.session, Harness.request(.post, "/sessions", json: ["bankId": "big", "mode": "review"]))
        #expect(none.status == 422, "\(none.body)")
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
