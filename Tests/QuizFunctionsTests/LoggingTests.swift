import Foundation
import QuizHTTP
import Testing

/// One structured line per invocation, and nothing secret in it.
@Suite("Invocation logs")
struct LoggingTests {
    @Test("every invocation writes exactly one JSON line with its request id, status and route")
    func oneLinePerInvocation() async throws {
        let harness = Harness()
        try await harness.importBank()
        let sessionId = try await harness.startSession()
        _ = try await harness.currentQuestion(sessionId)
        _ = try await harness.send(.session, Harness.request(.get, "/sessions/missing"))
        let lines = harness.logs.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == harness.logs.lines.count, "every line is JSON")
        #expect(lines.count == 4)
        #expect(lines.map { $0["route"] as? String } == [
            "POST /banks/{bankId}/questions", "POST /sessions", "GET /sessions/{sessionId}/question", "GET /sessions/{sessionId}",
        ])
        #expect(lines.map { $0["status"] as? Int } == [201, 201, 200, 404])
        #expect(lines.last?["errorCode"] as? String == "SESSION_NOT_FOUND")
        #expect(lines.allSatisfy { ($0["requestId"] as? String)?.isEmpty == false && $0["_aws"] != nil })
    }

    @Test("tokens, idempotency keys, answers and bodies never reach the logs")
    func noSecrets() async throws {
        let harness = Harness()
        try await harness.importBank()
        let sessionId = try await harness.startSession()
        let id = try #require(try await harness.currentQuestion(sessionId)["questionId"] as? String)
        let secrets = ["Bearer tok-SECRET-123", "idem-SECRET-456", "zz-SECRET-789", "text-SECRET-000"]
        _ = try await harness.send(.answer, Harness.request(
            .post, "/sessions/\(sessionId)/answer", json: ["questionId": id, "selectedAnswers": [secrets[2]], "note": secrets[3]],
            headers: ["authorization": secrets[0], "idempotency-key": secrets[1]]))
        _ = try await harness.answer(sessionId, questionId: id, Bank.correct[id]!)
        #expect(harness.logs.lines.count == 5, "import, start, question, two answers")
        for line in harness.logs.lines {
            for secret in secrets { #expect(!line.contains(secret), "a log line holds \(secret)") }
            // Not the correct answers either: the engine's texts and the bank's explanation stay out.
            #expect(!line.contains("Because."))
        }
    }
}
