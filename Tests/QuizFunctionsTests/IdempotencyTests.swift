import Foundation
import QuizData
import QuizHTTP
import QuizStore
import QuizTestSupport
import Testing

@testable import QuizFunctions

/// `Idempotency-Key` as Powertools implements it (docs/idempotency.md).
@Suite("Idempotency keys")
struct IdempotencyTests {
    @Test("a retried answer returns the first response and applies once", arguments: StoreBackend.all)
    func replay(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()
        let sessionId = try await harness.startSession()
        let question = try await harness.currentQuestion(sessionId)
        let id = try #require(question["questionId"] as? String)

        let first = try await harness.answer(sessionId, questionId: id, Bank.wrong(id), key: "click-1")
        let second = try await harness.answer(sessionId, questionId: id, Bank.wrong(id), key: "click-1")
        #expect(first.status == 200)
        #expect(second.status == 200)
        #expect(second.body == first.body)
        #expect(second.response.headers["idempotency-replayed"] == "true")
        let state = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
        #expect(state.object["session"]?["answersSubmitted"] as? Int == 1, "the retry did not apply a second time")
    }

    @Test("the same key with another body is 422, and changes nothing", arguments: StoreBackend.all)
    func mismatch(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()
        let sessionId = try await harness.startSession()
        let id = try #require(try await harness.currentQuestion(sessionId)["questionId"] as? String)
        _ = try await harness.answer(sessionId, questionId: id, Bank.wrong(id), key: "k")
        let changed = try await harness.answer(sessionId, questionId: id, Bank.correct[id]!, key: "k")
        #expect(changed.status == 422)
        #expect(changed.errorCode == "IDEMPOTENCY_KEY_MISMATCH")
        let state = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
        #expect(state.object["session"]?["answersSubmitted"] as? Int == 1)
    }

    @Test("a repeat while the first request still runs is 409; once its time is up, the repeat runs", arguments: StoreBackend.all)
    func inProgress(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()
        let body: [String: Any] = ["bankId": "bank-1", "questionCount": 2]
        let request = Harness.request(.post, "/sessions", json: body, headers: ["idempotency-key": "start-1"])
        // The first attempt claimed the key, then its process died before finishing.
        let environment = try harness.environment()
        let key = Key("USER#learner-1", "KEY#start-1")
        try await environment.store.put(
            [
                "pk": .string(key.partition), "sk": .string(key.sort!), "status": "IN_PROGRESS",
                "fingerprint": .string(IdempotencyGuard.fingerprint(of: request)), "token": "dead",
                "inProgressUntil": .int(harness.clock.now + 30_000), "ttl": .int(harness.clock.now / 1000 + 86_400),
            ], into: environment.tables.idempotency)

        let blocked = try await harness.send(.session, request)
        #expect(blocked.status == 409)
        #expect(blocked.errorCode == "REQUEST_IN_PROGRESS")
        harness.clock.advance(seconds: 31)
        let retried = try await harness.send(.session, request)
        #expect(retried.status == 201)
        let replayed = try await harness.send(.session, request)
        #expect(replayed.body == retried.body)
    }

    @Test("keys expire after 24 hours: the same key then starts a new session", arguments: StoreBackend.all)
    func expiry(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()
        let request = Harness.request(.post, "/sessions", json: ["bankId": "bank-1"], headers: ["idempotency-key": "daily"])
        let first = try await harness.send(.session, request)
        let repeated = try await harness.send(.session, request)
        #expect(first.object["session"]?["sessionId"] as? String == repeated.object["session"]?["sessionId"] as? String)
        harness.clock.advance(seconds: 86_400 + 1)
        let later = try await harness.send(.session, request)
        #expect(later.status == 201)
        #expect(later.object["session"]?["sessionId"] as? String != first.object["session"]?["sessionId"] as? String)
    }

    @Test("keys are per user: two users with one key do not meet", arguments: StoreBackend.all)
    func perUser(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()
        let alice = try await harness.send(.session, Harness.request(.post, "/sessions", user: "alice", json: ["bankId": "bank-1"], headers: ["idempotency-key": "same"]))
        let bob = try await harness.send(.session, Harness.request(.post, "/sessions", user: "bob", json: ["bankId": "bank-1"], headers: ["idempotency-key": "same"]))
        #expect(alice.status == 201)
        #expect(bob.status == 201)
        #expect(alice.object["session"]?["sessionId"] as? String != bob.object["session"]?["sessionId"] as? String)
    }

    @Test("a malformed key is refused", arguments: ["", String(repeating: "k", count: 129), "with space"])
    func malformedKey(key: String) async throws {
        let harness = Harness()
        try await harness.importBank()
        let reply = try await harness.send(.session, Harness.request(.post, "/sessions", json: ["bankId": "bank-1"], headers: ["idempotency-key": key]))
        #expect(reply.status == 400)
    }
}
