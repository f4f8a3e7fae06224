import Foundation
import QuizData
import QuizFunctions
import QuizHTTP
import QuizStore
import Testing

/// Flashcard sessions through the handlers (docs/memory-model.md, "Session modes"): the front,
/// the reveal, ratings only after it, `again` coming back three cards later, completion.
@Suite("Flashcard sessions")
struct FlashcardSessionTests {
    /// A bank of `count` one-answer questions, `c1` … `cN`, all in category `words`.
    static func cards(_ count: Int) -> [[String: Any]] {
        (1...count).map { index in
            [
                "id": "c\(index)", "category": "words", "text": "Word \(index)?",
                "answers": [["id": "a", "text": "meaning \(index)"], ["id": "b", "text": "not \(index)"]],
                "correctAnswers": ["a"], "explanation": "Card \(index) means \(index).",
            ]
        }
    }

    // MARK: - The loop of one card

    @Test("front, 409 before the reveal, the back, a rating, the next card", arguments: StoreBackend.all)
    func oneCard(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()
        let sessionId = try await harness.startFlashcards(["source": "list", "questionIds": ["q1", "q3"]])

        let front = try await harness.send(.quiz, Harness.request(.get, "/sessions/\(sessionId)/question"))
        #expect(front.status == 200)
        #expect(front.json["questionId"] as? String == "q1")
        #expect(front.json["text"] as? String == "2 + 2 = ?")
        #expect(front.json["mode"] as? String == "flashcards")
        #expect(front.json["revealed"] as? Bool == false)
        #expect(front.json["cardsRemaining"] as? Int == 2)
        #expect(front.json["answers"] == nil, "a card's front shows no choices")
        #expect(!front.body.contains("\"4\""), "nor the answer")

        let early = try await harness.rate(sessionId, "q1", rating: "good")
        #expect(early.status == 409)
        #expect(early.errorCode == "CARD_NOT_REVEALED")

        harness.clock.advance(seconds: 4)
        let back = try await harness.reveal(sessionId)
        #expect(back.status == 200)
        #expect(back.json["questionId"] as? String == "q1")
        #expect((back.json["answers"] as? [[String: String]]) == [["id": "b", "text": "4"]])
        #expect(back.json["explanation"] as? String == "Because.")
        #expect(back.json["timeToFlipMs"] as? Int == 4000)
        #expect(back.json["version"] as? Int == 2)

        // A second reveal is the first one again and changes nothing.
        harness.clock.advance(seconds: 3)
        let again = try await harness.reveal(sessionId)
        #expect(again.json["timeToFlipMs"] as? Int == 4000)
        #expect(again.json["version"] as? Int == 2)
        let reloaded = try await harness.send(.quiz, Harness.request(.get, "/sessions/\(sessionId)/question"))
        #expect(reloaded.json["revealed"] as? Bool == true)

        let rated = try await harness.rate(sessionId, "q1", rating: "good")
        #expect(rated.status == 200)
        #expect(rated.json["rating"] as? String == "good")
        #expect(rated.json["nextAction"] as? String == "NEXT_QUESTION")
        #expect(rated.json["timeToFlipMs"] as? Int == 4000)
        #expect(rated.json["version"] as? Int == 3)
        #expect((rated.json["question"] as? [String: Any])?["questionId"] as? String == "q3")
        #expect((rated.json["progress"] as? [String: Int]) == ["cardCount": 2, "learnedCount": 1, "remainingCount": 1, "reviews": 1])

        // The client's own time to flip replaces the server's.
        _ = try await harness.reveal(sessionId)
        let last = try await harness.rate(sessionId, "q3", confidence: 5, timeToFlipMs: 1234)
        #expect(last.json["rating"] as? String == "easy")
        #expect(last.json["timeToFlipMs"] as? Int == 1234)
        #expect(last.json["nextAction"] as? String == "SESSION_COMPLETE")
        #expect(last.json["question"] is NSNull)
        let results = try #require(last.json["results"] as? [String: Any])
        #expect(results["learnedCount"] as? Int == 2)
        #expect((results["ratings"] as? [String: Int]) == ["again": 0, "hard": 0, "good": 1, "easy": 1])

        let state = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
        #expect(state.object["session"]?["status"] as? String == "completed")
        #expect(state.object["session"]?["mode"] as? String == "flashcards")
        #expect(state.object["results"]?["reviews"] as? Int == 2)
        let done = try await harness.send(.quiz, Harness.request(.get, "/sessions/\(sessionId)/question"))
        #expect(done.errorCode == "SESSION_NOT_ACTIVE")
    }

    @Test("a card rated again comes back exactly three cards later, or last when fewer remain")
    func againComesBackLater() async throws {
        let harness = Harness()
        try await harness.importBank("words", questions: Self.cards(6))
        let sessionId = try await harness.startFlashcards([
            "bankId": "words", "source": "list", "questionIds": ["c1", "c2", "c3", "c4", "c5", "c6"],
        ])
        // c1 again: back after c2, c3, c4. Then c5 again with only c6 left: back last, after it;
        // then again with nothing left: at once.
        let ratings: [(String, String)] = [
            ("c1", "again"), ("c2", "good"), ("c3", "hard"), ("c4", "easy"), ("c1", "good"), ("c5", "again"), ("c6", "good"),
            ("c5", "again"), ("c5", "good"),
        ]
        var comesBack: [Int?] = []
        for (index, (card, rating)) in ratings.enumerated() {
            let front = try await harness.currentQuestion(sessionId)
            #expect(front["questionId"] as? String == card, "step \(index)")
            _ = try await harness.reveal(sessionId)
            let reply = try await harness.rate(sessionId, card, rating: rating)
            #expect(reply.status == 200, "step \(index): \(reply.body)")
            comesBack.append(reply.json["comesBackAfter"] as? Int)
            #expect((reply.json["nextAction"] as? String == "SESSION_COMPLETE") == (index == ratings.count - 1))
        }
        #expect(comesBack == [3, nil, nil, nil, nil, 1, nil, 0, nil])
        let state = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
        #expect(state.object["results"]?["learnedCount"] as? Int == 6)
        #expect((state.object["results"]?["ratings"] as? [String: Int]) == ["again": 3, "hard": 1, "good": 4, "easy": 1])
    }

    @Test("sources: due serves new cards, category draws that category, a list keeps its order")
    func sources() async throws {
        let harness = Harness()
        try await harness.importBank()
        let due = try await harness.send(.session, Harness.request(.post, "/sessions", json: ["bankId": "bank-1", "mode": "flashcards", "cardCount": 3]))
        #expect(due.status == 201)
        #expect(due.object["session"]?["source"] as? String == "due")
        #expect(due.object["session"]?["cardCount"] as? Int == 3)
        let category = try await harness.send(.session, Harness.request(
            .post, "/sessions", json: ["bankId": "bank-1", "mode": "flashcards", "source": "category", "category": "geometry"]))
        #expect(category.object["session"]?["cardCount"] as? Int == 2)
        #expect(["q3", "q4"].contains(category.object["session"]?["currentQuestionId"] as? String ?? ""))
        let list = try await harness.send(.session, Harness.request(
            .post, "/sessions", json: ["bankId": "bank-1", "mode": "flashcards", "source": "list", "questionIds": ["q4", "q2", "q1"], "cardCount": 2]))
        #expect(list.object["session"]?["cardCount"] as? Int == 2)
        #expect(list.object["session"]?["currentQuestionId"] as? String == "q4")
    }

    // MARK: - Validation

    static var invalidStarts: [(body: [String: Any], fields: [String])] { [
        (["mode": "flashcards", "source": "everything"], ["source"]),
        (["mode": "flashcards", "source": "category"], ["category"]),
        (["mode": "flashcards", "source": "list"], ["questionIds"]),
        (["mode": "flashcards", "source": "list", "questionIds": [String]()], ["questionIds"]),
        (["mode": "flashcards", "source": "list", "questionIds": ["q1", "q1"]], ["questionIds[1]"]),
        (["mode": "flashcards", "source": "list", "questionIds": ["q1", "no such"]], ["questionIds[1]"]),
        (["mode": "flashcards", "source": "list", "questionIds": ["q1"], "category": "algebra"], ["category"]),
        (["mode": "flashcards", "source": "due", "questionIds": ["q1"]], ["questionIds"]),
        (["mode": "flashcards", "questionCount": 3, "shuffleChoices": false], ["questionCount", "shuffleChoices"]),
        (["mode": "flashcards", "cardCount": 0], ["cardCount"]),
        (["mode": "flashcards", "cardCount": 101], ["cardCount"]),
        (["mode": "review", "source": "due", "cardCount": 3], ["source", "cardCount"]),
        (["mode": "quiz", "questionIds": ["q1"]], ["questionIds"]),
        (["mode": "exam"], ["mode"]),
        (["mode": "flashcards", "source": "list", "questionIds": ["q9"]], ["questionIds[0]"]),
        (["mode": "flashcards", "source": "category", "category": "poetry"], ["source"]),
    ] }

    @Test("every wrong combination of start fields is 422 with a detail per field", arguments: Self.invalidStarts.indices)
    func invalidStart(index: Int) async throws {
        let harness = Harness()
        try await harness.importBank()
        let (fields, expected) = Self.invalidStarts[index]
        var body: [String: Any] = ["bankId": "bank-1"]
        body.merge(fields) { _, new in new }
        let reply = try await harness.send(.session, Harness.request(.post, "/sessions", json: body))
        #expect(reply.status == 422, "\(reply.body)")
        #expect(reply.errorCode == "VALIDATION_FAILED")
        let details = ((reply.json["error"] as? [String: Any])?["details"] as? [[String: String]]) ?? []
        #expect(details.compactMap { $0["field"] } == expected, "\(reply.body)")
        let (items, _) = try await FaultRoute.sessions(harness)
        #expect(items.isEmpty, "nothing is started")
    }

    @Test("a rating needs a rating or confidence in range; a quiz answer to a card, a rating to a quiz, a reveal of a quiz are 422")
    func invalidRatings() async throws {
        let harness = Harness()
        try await harness.importBank()
        let cards = try await harness.startFlashcards(["source": "list", "questionIds": ["q1"]])
        _ = try await harness.reveal(cards)
        let cases: [([String: Any], [String])] = [
            (["questionId": "q1", "rating": "perfect"], ["rating"]),
            (["questionId": "q1", "confidence": 6], ["confidence"]),
            (["questionId": "q1", "confidence": 0], ["confidence"]),
            (["questionId": "q1", "rating": "good", "confidence": 4], ["confidence"]),
            (["questionId": "q1", "rating": "good", "timeToFlipMs": -1], ["timeToFlipMs"]),
            (["questionId": "q1", "selectedAnswers": ["b"]], ["rating"]),
            (["questionId": "q1"], ["selectedAnswers"]),
        ]
        for (body, fields) in cases {
            let reply = try await harness.send(.answer, Harness.request(.post, "/sessions/\(cards)/answer", json: body))
            #expect(reply.status == 422, "\(body): \(reply.body)")
            let details = ((reply.json["error"] as? [String: Any])?["details"] as? [[String: String]]) ?? []
            #expect(details.compactMap { $0["field"] } == fields, "\(body): \(reply.body)")
        }
        let quiz = try await harness.startSession()
        let question = try #require(try await harness.currentQuestion(quiz)["questionId"] as? String)
        let rating = try await harness.rate(quiz, question, rating: "good")
        #expect(rating.status == 422)
        #expect(((rating.json["error"] as? [String: Any])?["details"] as? [[String: String]])?.first?["field"] == "selectedAnswers")
        let reveal = try await harness.reveal(quiz)
        #expect(reveal.status == 422)
        #expect(reveal.errorCode == "VALIDATION_FAILED")
        // None of it moved either session.
        let state = try await harness.send(.session, Harness.request(.get, "/sessions/\(cards)"))
        #expect(state.object["session"]?["version"] as? Int == 2)
        #expect(state.object["session"]?["reviews"] as? Int == 0)
    }

    @Test("a rating of a card other than the one shown is 409 STALE_QUESTION")
    func staleCard() async throws {
        let harness = Harness()
        try await harness.importBank()
        let sessionId = try await harness.startFlashcards(["source": "list", "questionIds": ["q1", "q2"]])
        _ = try await harness.reveal(sessionId)
        let stale = try await harness.rate(sessionId, "q2", rating: "good")
        #expect(stale.status == 409)
        #expect(stale.errorCode == "STALE_QUESTION")
        let wrongReveal = try await harness.send(
            .quiz, Harness.request(.post, "/sessions/\(sessionId)/reveal", json: ["questionId": "q2"]))
        #expect(wrongReveal.errorCode == "STALE_QUESTION")
    }
}

extension Harness {
    /// Starts a flashcard session of the standard bank (`fields` override) and returns its id.
    func startFlashcards(_ fields: [String: Any], user: String = "learner-1") async throws -> String {
        var body: [String: Any] = ["bankId": "bank-1", "mode": "flashcards"]
        body.merge(fields) { _, new in new }
        let reply = try await send(.session, Self.request(.post, "/sessions", user: user, json: body))
        #expect(reply.status == 201, "start failed: \(reply.body)")
        #expect(reply.response.headers["location"] != nil)
        return try #require(reply.object["session"]?["sessionId"] as? String)
    }

    /// Reveals the card shown.
    func reveal(_ sessionId: String, user: String = "learner-1", key: String? = nil, expectedVersion: Int? = nil) async throws -> Reply {
        var headers: HTTPHeaders = [:]
        if let key { headers["idempotency-key"] = key }
        let body: [String: Any]? = expectedVersion.map { ["expectedVersion": $0] }
        return try await send(.quiz, Self.request(.post, "/sessions/\(sessionId)/reveal", user: user, json: body, headers: headers))
    }

    /// Rates the card shown by name or by confidence.
    func rate(
        _ sessionId: String, _ questionId: String, rating: String? = nil, confidence: Int? = nil, timeToFlipMs: Int? = nil,
        user: String = "learner-1", key: String? = nil, expectedVersion: Int? = nil
    ) async throws -> Reply {
        var body: [String: Any] = ["questionId": questionId]
        if let rating { body["rating"] = rating }
        if let confidence { body["confidence"] = confidence }
        if let timeToFlipMs { body["timeToFlipMs"] = timeToFlipMs }
        if let expectedVersion { body["expectedVersion"] = expectedVersion }
        var headers: HTTPHeaders = [:]
        if let key { headers["idempotency-key"] = key }
        return try await send(.answer, Self.request(.post, "/sessions/\(sessionId)/answer", user: user, json: body, headers: headers))
    }
}
