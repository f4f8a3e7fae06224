import Foundation
import QuizData
import QuizFunctions
import QuizHTTP
import QuizStore
import Testing

/// What quiz sessions guarantee, held by flashcard sessions too: the version and
/// `expectedVersion`, idempotency keys, the time limit, the TTL, resuming on any worker,
/// isolation between users, the maintenance sweep.
@Suite("Flashcard sessions: the guarantees of every session")
struct FlashcardGuaranteeTests {
    @Test("a repeated Idempotency-Key replays the first response and applies once; another body with it is 422", arguments: StoreBackend.all)
    func idempotency(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()
        let sessionId = try await harness.startFlashcards(["source": "list", "questionIds": ["q1", "q2"]])
        let reveal = try await harness.reveal(sessionId, key: "reveal-1")
        let revealAgain = try await harness.reveal(sessionId, key: "reveal-1")
        #expect(revealAgain.body == reveal.body)
        #expect(revealAgain.response.headers["idempotency-replayed"] == "true")

        let first = try await harness.rate(sessionId, "q1", rating: "again", key: "rate-1")
        #expect(first.status == 200)
        let replay = try await harness.rate(sessionId, "q1", rating: "again", key: "rate-1")
        #expect(replay.status == 200)
        #expect(replay.body == first.body)
        #expect(replay.response.headers["idempotency-replayed"] == "true")
        let other = try await harness.rate(sessionId, "q1", rating: "easy", key: "rate-1")
        #expect(other.status == 422)
        #expect(other.errorCode == "IDEMPOTENCY_KEY_MISMATCH")
        let state = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
        #expect(state.object["session"]?["reviews"] as? Int == 1, "the rating applied once")
        #expect(state.object["session"]?["version"] as? Int == 3)
        #expect(state.object["session"]?["currentQuestionId"] as? String == "q2")
    }

    @Test("expectedVersion other than the session's is 409 VERSION_CONFLICT and changes nothing")
    func expectedVersion() async throws {
        let harness = Harness()
        try await harness.importBank()
        let sessionId = try await harness.startFlashcards(["source": "list", "questionIds": ["q1", "q2"]])
        let stale = try await harness.reveal(sessionId, expectedVersion: 7)
        #expect(stale.status == 409)
        #expect(stale.errorCode == "VERSION_CONFLICT")
        let back = try await harness.reveal(sessionId, expectedVersion: 1)
        #expect(back.json["version"] as? Int == 2)
        let late = try await harness.rate(sessionId, "q1", rating: "good", expectedVersion: 1)
        #expect(late.errorCode == "VERSION_CONFLICT")
        let rated = try await harness.rate(sessionId, "q1", rating: "good", expectedVersion: 2)
        #expect(rated.status == 200)
        #expect(rated.json["version"] as? Int == 3)
    }

    @Test("after the time limit a rating is 409 SESSION_EXPIRED and the session is saved expired", arguments: StoreBackend.all)
    func timeLimit(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()
        let sessionId = try await harness.startFlashcards(["source": "list", "questionIds": ["q1", "q2"], "timeLimitSeconds": 60])
        _ = try await harness.reveal(sessionId)
        harness.clock.advance(seconds: 45)
        let state = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
        #expect(state.object["session"]?["timeRemainingSeconds"] as? Int == 15)
        harness.clock.advance(seconds: 15)
        let late = try await harness.rate(sessionId, "q1", rating: "good")
        #expect(late.status == 409)
        #expect(late.errorCode == "SESSION_EXPIRED")
        let after = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
        #expect(after.object["session"]?["status"] as? String == "expired")
        #expect(after.object["session"]?["reviews"] as? Int == 0)
        #expect(after.object["session"]?["version"] as? Int == 3, "the expiry was saved")
        let progress = try await harness.send(.progress, Harness.request(.get, "/users/me/progress"))
        #expect(progress.object["sessions"]?["expired"] as? Int == 1)
        #expect(progress.object["sessions"]?["started"] as? Int == 0)
        let front = try await harness.send(.quiz, Harness.request(.get, "/sessions/\(sessionId)/question"))
        #expect(front.errorCode == "SESSION_EXPIRED")
        let reveal = try await harness.reveal(sessionId)
        #expect(reveal.errorCode == "SESSION_EXPIRED")
    }

    @Test("the session item carries its TTL: the time limit plus the retention")
    func timeToLive() async throws {
        let harness = Harness()
        try await harness.importBank()
        let sessionId = try await harness.startFlashcards(["source": "list", "questionIds": ["q1"], "timeLimitSeconds": 600])
        let environment = try harness.environment()
        let item = try #require(try await environment.store.get(Keys.session("learner-1", sessionId), from: environment.tables.users))
        let retention = Int64(environment.settings.sessionRetentionSeconds)
        #expect(item.int(QuizTables.ttlAttribute) == harness.clock.now / 1000 + 600 + retention)
        #expect(item.string("mode") == "flashcards")
    }

    @Test("another user's flashcard session is 404 on every route, and nothing moves", arguments: StoreBackend.all)
    func isolation(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()
        let sessionId = try await harness.startFlashcards(["source": "list", "questionIds": ["q1"]])
        let replies = [
            try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)", user: "learner-2")),
            try await harness.send(.quiz, Harness.request(.get, "/sessions/\(sessionId)/question", user: "learner-2")),
            try await harness.reveal(sessionId, user: "learner-2"),
            try await harness.rate(sessionId, "q1", rating: "good", user: "learner-2"),
            try await harness.send(.session, Harness.request(.post, "/sessions/\(sessionId)/complete", user: "learner-2", json: [:] as [String: String])),
            try await harness.send(.session, Harness.request(.post, "/sessions/\(sessionId)/abandon", user: "learner-2", json: [:] as [String: String])),
        ]
        for reply in replies {
            #expect(reply.status == 404)
            #expect(reply.errorCode == "SESSION_NOT_FOUND")
        }
        let state = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
        #expect(state.object["session"]?["version"] as? Int == 1)
        #expect(state.object["session"]?["status"] as? String == "started")
    }

    @Test("each request on a new worker (a new store connection) resumes where the last one left off")
    func resumeAnywhere() async throws {
        let harness = Harness()
        try await harness.importBank()
        let sessionId = try await harness.startFlashcards(["source": "list", "questionIds": ["q1", "q2"]])
        // Every `send` builds its function on a new environment: nothing is kept between requests but the table.
        _ = try await harness.reveal(sessionId)
        let front = try await harness.currentQuestion(sessionId)
        #expect(front["revealed"] as? Bool == true)
        _ = try await harness.rate(sessionId, "q1", rating: "again")
        let next = try await harness.currentQuestion(sessionId)
        #expect(next["questionId"] as? String == "q2")
        #expect(next["revealed"] as? Bool == false)
        #expect(next["cardsRemaining"] as? Int == 2)
    }

    @Test("complete ends early with the results; abandon after it is 409; the counters follow", arguments: StoreBackend.all)
    func completeAndAbandon(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()
        let sessionId = try await harness.startFlashcards(["source": "list", "questionIds": ["q1", "q2"]])
        _ = try await harness.reveal(sessionId)
        _ = try await harness.rate(sessionId, "q1", rating: "hard")
        let done = try await harness.send(.session, Harness.request(.post, "/sessions/\(sessionId)/complete", json: [:] as [String: String]))
        #expect(done.status == 200)
        #expect(done.object["session"]?["status"] as? String == "completed")
        #expect(done.object["results"]?["learnedCount"] as? Int == 1)
        #expect(done.object["results"]?["cardCount"] as? Int == 2)
        let twice = try await harness.send(.session, Harness.request(.post, "/sessions/\(sessionId)/complete", json: [:] as [String: String]))
        #expect(twice.status == 200)
        let abandon = try await harness.send(.session, Harness.request(.post, "/sessions/\(sessionId)/abandon", json: [:] as [String: String]))
        #expect(abandon.status == 409)
        #expect(abandon.errorCode == "SESSION_NOT_ACTIVE")
        let other = try await harness.startFlashcards(["source": "list", "questionIds": ["q3"]])
        let gaveUp = try await harness.send(.session, Harness.request(.post, "/sessions/\(other)/abandon", json: [:] as [String: String]))
        #expect(gaveUp.object["session"]?["status"] as? String == "abandoned")
        let progress = try await harness.send(.progress, Harness.request(.get, "/users/me/progress"))
        #expect(progress.object["sessions"]?["completed"] as? Int == 1)
        #expect(progress.object["sessions"]?["abandoned"] as? Int == 1)
        #expect(progress.object["sessions"]?["in_progress"] as? Int == 0)
    }

    @Test("the maintenance sweep abandons an idle flashcard session and expires a late one")
    func sweep() async throws {
        let harness = Harness()
        try await harness.importBank()
        let idle = try await harness.startFlashcards(["source": "list", "questionIds": ["q1"], "timeLimitSeconds": 604_800])
        let late = try await harness.startFlashcards(["source": "list", "questionIds": ["q2"], "timeLimitSeconds": 60])
        harness.clock.advance(seconds: 120)
        let environment = try harness.environment()
        let data = LearnerData(store: environment.store, tables: environment.tables, sessionRetentionSeconds: 86_400)
        let first = try await SessionSweep(data: data, abandonAfterSeconds: 86_400).run(now: harness.clock.now, budget: .seconds(60)) { _, _ in }
        #expect(first.sessionsExpired == 1)
        let expired = try await harness.send(.session, Harness.request(.get, "/sessions/\(late)"))
        #expect(expired.object["session"]?["status"] as? String == "expired")
        harness.clock.advance(seconds: 86_400)
        let second = try await SessionSweep(data: data, abandonAfterSeconds: 86_400).run(now: harness.clock.now, budget: .seconds(60)) { _, _ in }
        #expect(second.sessionsAbandoned == 1)
        let abandoned = try await harness.send(.session, Harness.request(.get, "/sessions/\(idle)"))
        #expect(abandoned.object["session"]?["status"] as? String == "abandoned")
    }
}
