import Foundation
import QuizTestSupport
import Testing

// MARK: - The quiz, over HTTP

extension ServeClient {
    /// Imports `sampleBank(count)` as bank `bankId`; 201.
    func importBank(_ bankId: String, questions count: Int, token: String) async throws {
        let imported = try await send("POST", "/banks/\(bankId)/questions", token: token, json: sampleBank(count))
        #expect(imported.status == 201, "import: \(imported.text)")
    }

    /// Starts a session of `count` questions; its id.
    func startSession(bankId: String, questions count: Int, token: String) async throws -> String {
        let started = try await send("POST", "/sessions", token: token, json: ["bankId": bankId, "questionCount": count])
        #expect(started.status == 201, "start: \(started.text)")
        return try #require((started.json["session"] as? [String: Any])?["sessionId"] as? String)
    }

    /// The session document (`GET /sessions/{id}` → `session`).
    func session(_ sessionId: String, token: String) async throws -> [String: Any] {
        let state = try await send("GET", "/sessions/\(sessionId)", token: token)
        #expect(state.status == 200, "session: \(state.text)")
        return try #require(state.json["session"] as? [String: Any])
    }

    /// The question being served.
    func currentQuestion(_ sessionId: String, token: String) async throws -> String {
        let question = try await send("GET", "/sessions/\(sessionId)/question", token: token)
        #expect(question.status == 200, "question: \(question.text)")
        return try #require(question.json["questionId"] as? String)
    }

    /// Answers `questionId` with `choice` (`b` is right in `sampleBank`).
    func answer(_ sessionId: String, _ questionId: String, choice: String, token: String, key: String? = nil) async throws -> Response {
        try await send(
            "POST", "/sessions/\(sessionId)/answer", token: token, json: ["questionId": questionId, "selectedAnswers": [choice]],
            headers: key.map { ["Idempotency-Key": $0] } ?? [:])
    }
}
