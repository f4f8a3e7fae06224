import Foundation
import QuizFunctions
import QuizHTTP
import QuizTestSupport
import Testing

/// Session statuses, time limits, early completion, abandonment and the maintenance sweep (docs/data-layer.md).
@Suite("Session lifecycle")
struct LifecycleTests {
    @Test("an answer after the time limit is 409 SESSION_EXPIRED and the session becomes expired", arguments: StoreBackend.all)
    func expiry(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()
        let sessionId = try await harness.startSession(extra: ["timeLimitSeconds": 60])
        let id = try #require(try await harness.currentQuestion(sessionId)["questionId"] as? String)
        harness.clock.advance(seconds: 45)
        let state = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
        #expect(state.object["session"]?["timeRemainingSeconds"] as? Int == 15)
        harness.clock.advance(seconds: 15)
        let late = try await harness.answer(sessionId, questionId: id, Bank.correct[id]!)
        #expect(late.status == 409)
        #expect(late.errorCode == "SESSION_EXPIRED")
        let after = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
        #expect(after.object["session"]?["status"] as? String == "expired")
        #expect(after.object["session"]?["timeRemainingSeconds"] as? Int == 0)
        let progress = try await harness.send(.progress, Harness.request(.get, "/users/me/progress"))
        #expect(progress.object["sessions"]?["expired"] as? Int == 1)
        #expect(progress.object["sessions"]?["started"] as? Int == 0)
        let question = try await harness.send(.quiz, Harness.request(.get, "/sessions/\(sessionId)/question"))
        #expect(question.errorCode == "SESSION_EXPIRED")
    }

    @Test("complete early returns the results; a completed session takes no answers", arguments: StoreBackend.all)
    func completeEarly(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()
        let sessionId = try await harness.startSession(count: 3)
        let id = try #require(try await harness.currentQuestion(sessionId)["questionId"] as? String)
        _ = try await harness.answer(sessionId, questionId: id, Bank.correct[id]!)
        let done = try await harness.send(.session, Harness.request(.post, "/sessions/\(sessionId)/complete", json: [:] as [String: String]))
        #expect(done.status == 200)
        #expect(done.object["session"]?["status"] as? String == "completed")
        #expect(done.object["results"]?["completedCount"] as? Int == 1)
        #expect(done.object["results"]?["questionCount"] as? Int == 3)
        #expect(done.object["results"]?["accuracy"] as? Double == 1.0)
        let again = try await harness.send(.session, Harness.request(.post, "/sessions/\(sessionId)/complete", json: [:] as [String: String]))
        #expect(again.status == 200, "completing twice is harmless")
        let next = try await harness.send(.quiz, Harness.request(.get, "/sessions/\(sessionId)/question"))
        #expect(next.status == 409)
        #expect(next.errorCode == "SESSION_NOT_ACTIVE")
    }

    @Test("abandon ends the session; abandoning a completed one is 409", arguments: StoreBackend.all)
    func abandon(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()
        let sessionId = try await harness.startSession()
        let gaveUp = try await harness.send(.session, Harness.request(.post, "/sessions/\(sessionId)/abandon", json: [:] as [String: String]))
        #expect(gaveUp.object["session"]?["status"] as? String == "abandoned")
        let completed = try await harness.send(.session, Harness.request(.post, "/sessions/\(sessionId)/complete", json: [:] as [String: String]))
        #expect(completed.status == 409)
        #expect(completed.errorCode == "SESSION_NOT_ACTIVE")
        let progress = try await harness.send(.progress, Harness.request(.get, "/users/me/progress"))
        #expect(progress.object["sessions"]?["abandoned"] as? Int == 1)
    }

    @Test("maintenance abandons idle sessions, expires late ones and sweeps expired items", arguments: StoreBackend.all)
    func maintenance(backend: StoreBackend) async throws {
        // A budget no run reaches, however loaded the machine: what the sweep does, not when it stops.
        let harness = try await Harness(backend: backend) { $0.maintenanceBudgetSeconds = 900 }
        try await harness.importBank()
        let idle = try await harness.startSession(extra: ["timeLimitSeconds": 604_800])
        let late = try await harness.startSession(extra: ["timeLimitSeconds": 60])
        let fresh = try await harness.startSession(extra: ["timeLimitSeconds": 604_800])
        _ = try await harness.send(.session, Harness.request(.post, "/sessions", json: ["bankId": "bank-1"], headers: ["idempotency-key": "k1"]))

        // Two minutes in, the 60 s session is late.
        harness.clock.advance(seconds: 120)
        let early = try await MaintenanceFunction(environment: harness.environment()).run(now: harness.clock.now)
        #expect(!early.stoppedByBudget)
        #expect(early.sessionsScanned == 4)
        #expect(early.sessionsExpired == 1)
        #expect(early.sessionsAbandoned == 0)
        #expect(early.expiredItemsRemoved == 0)

        // Activity on `fresh` an hour in keeps it alive; a day later the others are idle.
        harness.clock.advance(seconds: 3600)
        _ = try await harness.currentQuestion(fresh)
        harness.clock.advance(seconds: 86_400 - 3600 + 1)
        let summary = try await MaintenanceFunction(environment: harness.environment()).run(now: harness.clock.now)
        #expect(summary.sessionsScanned == 3, "the expired session left the index")
        #expect(summary.sessionsAbandoned == 2, "idle and the fourth (idempotent) session")
        #expect(summary.sessionsExpired == 0)
        // SQLite deletes the 24 h idempotency record here; on DynamoDB its own TTL does, and the
        // sweep scans no table for it.
        #expect(summary.expiredItemsRemoved == (backend == .sqlite ? 1 : 0), "the 24 h idempotency record")

        let status = { (id: String) async throws -> String? in
            try await harness.send(.session, Harness.request(.get, "/sessions/\(id)")).object["session"]?["status"] as? String
        }
        #expect(try await status(idle) == "abandoned")
        #expect(try await status(late) == "expired")
        #expect(try await status(fresh) == "started")
        let again = try await MaintenanceFunction(environment: harness.environment()).run(now: harness.clock.now)
        #expect(again.sessionsScanned == 1, "ended sessions left the index")
        #expect(again.sessionsAbandoned + again.sessionsExpired == 0)
    }

    @Test("ended sessions disappear when their TTL passes")
    func sessionTTL() async throws {
        let harness = Harness { $0.sessionRetentionSeconds = 3600 }
        try await harness.importBank()
        let sessionId = try await harness.startSession(extra: ["timeLimitSeconds": 60])
        harness.clock.advance(seconds: 60 + 3600 - 1)
        #expect(try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)")).status == 200)
        harness.clock.advance(seconds: 2)
        #expect(try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)")).status == 404)
    }
}
