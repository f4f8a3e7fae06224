import Foundation
import QuizHTTP
import Testing

/// Bad input gets the right 4xx with a structured error body, and loses nothing (openapi.yaml).
@Suite("Bad input")
struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let function: Harness.Function
        let method: HTTPMethod
        let path: String
        let body: String?
        let contentType: String?
        let status: Int
        let code: String
        var testDescription: String { "\(method) \(path) \(body ?? "") → \(status) \(code)" }

        init(_ function: Harness.Function, _ method: HTTPMethod, _ path: String, _ body: String? = nil, contentType: String? = "application/json", _ status: Int, _ code: String) {
            self.function = function
            self.method = method
            self.path = path
            self.body = body
            self.contentType = contentType
            self.status = status
            self.code = code
        }
    }

    static let cases: [Case] = [
        Case(.session, .post, "/sessions", "{not json", 400, "MALFORMED_JSON"),
        Case(.session, .post, "/sessions", "", 400, "MALFORMED_JSON"),
        Case(.session, .post, "/sessions", "[1,2]", 422, "VALIDATION_FAILED"),
        Case(.session, .post, "/sessions", "{}", 422, "VALIDATION_FAILED"),
        Case(.session, .post, "/sessions", #"{"bankId": 5}"#, 422, "VALIDATION_FAILED"),
        Case(.session, .post, "/sessions", #"{"bankId": "bank-1", "questionCount": 0}"#, 422, "VALIDATION_FAILED"),
        Case(.session, .post, "/sessions", #"{"bankId": "bank-1", "questionCount": "ten"}"#, 422, "VALIDATION_FAILED"),
        Case(.session, .post, "/sessions", #"{"bankId": "bank 1"}"#, 422, "VALIDATION_FAILED"),
        Case(.session, .post, "/sessions", #"{"bankId": "no-such-bank"}"#, 404, "BANK_NOT_FOUND"),
        Case(.session, .post, "/sessions", #"{"bankId": "bank-1", "category": "poetry"}"#, 422, "VALIDATION_FAILED"),
        Case(.session, .post, "/sessions", #"{"bankId": "bank-1"}"#, contentType: "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
        Case(.session, .get, "/sessions/missing", nil, 404, "SESSION_NOT_FOUND"),
        Case(.session, .get, "/sessions/bad%20id", nil, 400, "BAD_REQUEST"),
        Case(.session, .delete, "/sessions/abc", nil, 405, "METHOD_NOT_ALLOWED"),
        Case(.session, .get, "/nowhere", nil, 404, "NOT_FOUND"),
        Case(.answer, .post, "/sessions/missing/answer", #"{"questionId": "q1", "selectedAnswers": ["a"]}"#, 404, "SESSION_NOT_FOUND"),
        Case(.answer, .post, "/sessions/x/answer", #"{"questionId": "q1", "selectedAnswers": []}"#, 422, "VALIDATION_FAILED"),
        Case(.answer, .post, "/sessions/x/answer", #"{"questionId": "q1", "selectedAnswers": "a"}"#, 422, "VALIDATION_FAILED"),
        Case(.answer, .post, "/sessions/x/answer", #"{"questionId": "q1", "selectedAnswers": [1]}"#, 422, "VALIDATION_FAILED"),
        Case(.answer, .post, "/sessions/x/answer", #"{"selectedAnswers": ["a"]}"#, 422, "VALIDATION_FAILED"),
        Case(.answer, .post, "/sessions/x/answer", #"{"questionId": "q1", "selectedAnswers": ["a"], "timeSpentMs": -1}"#, 422, "VALIDATION_FAILED"),
        Case(.answer, .get, "/sessions/x/answer", nil, 405, "METHOD_NOT_ALLOWED"),
        Case(.quiz, .get, "/sessions/missing/question", nil, 404, "SESSION_NOT_FOUND"),
        Case(.quiz, .get, "/banks/no-such-bank/questions", nil, 404, "BANK_NOT_FOUND"),
        Case(.session, .post, "/sessions", #"{"bankId": "bank-1", "mode": 5}"#, 422, "VALIDATION_FAILED"),
        Case(.session, .post, "/sessions", #"{"bankId": "bank-1", "mode": "flashcards", "source": "list", "questionIds": "q1"}"#, 422, "VALIDATION_FAILED"),
        Case(.session, .post, "/sessions", #"{"bankId": "bank-1", "mode": "flashcards", "source": "list", "questionIds": [1]}"#, 422, "VALIDATION_FAILED"),
        Case(
            .session, .post, "/sessions",
            #"{"bankId": "bank-1", "mode": "flashcards", "source": "list", "questionIds": [\#((0...100).map { "\"q\($0)\"" }.joined(separator: ","))]}"#,
            422, "VALIDATION_FAILED"),
        Case(.session, .post, "/sessions", #"{"bankId": "no-such-bank", "mode": "flashcards"}"#, 404, "BANK_NOT_FOUND"),
        Case(.quiz, .post, "/sessions/missing/reveal", nil, 404, "SESSION_NOT_FOUND"),
        Case(.quiz, .post, "/sessions/x/reveal", "{not json", 400, "MALFORMED_JSON"),
        Case(.quiz, .post, "/sessions/x/reveal", #"{"questionId": "bad id"}"#, 422, "VALIDATION_FAILED"),
        Case(.quiz, .post, "/sessions/x/reveal", #"{"expectedVersion": 0}"#, 422, "VALIDATION_FAILED"),
        Case(.quiz, .get, "/sessions/x/reveal", nil, 405, "METHOD_NOT_ALLOWED"),
        Case(.answer, .post, "/sessions/missing/answer", #"{"questionId": "q1", "rating": "good"}"#, 404, "SESSION_NOT_FOUND"),
        Case(.answer, .post, "/sessions/x/answer", #"{"questionId": "q1", "rating": 3}"#, 422, "VALIDATION_FAILED"),
        Case(.answer, .post, "/sessions/x/answer", #"{"questionId": "q1", "confidence": "high"}"#, 422, "VALIDATION_FAILED"),
        Case(.answer, .post, "/sessions/x/answer", #"{"questionId": "q1", "confidence": 9007199254740993}"#, 422, "VALIDATION_FAILED"),
        Case(.progress, .get, "/users/someone-else/progress", nil, 403, "FORBIDDEN"),
        Case(.progress, .post, "/users/me/progress", "{}", 405, "METHOD_NOT_ALLOWED"),
    ]

    @Test("each bad request gets its 4xx and a structured error", arguments: cases)
    func badRequests(testCase: Case) async throws {
        let harness = Harness()
        try await harness.importBank()
        var headers: HTTPHeaders = [:]
        if let contentType = testCase.contentType, testCase.body != nil { headers["content-type"] = contentType }
        let reply = try await harness.send(testCase.function, Harness.request(testCase.method, testCase.path, body: testCase.body, headers: headers))
        #expect(reply.status == testCase.status, "\(reply.body)")
        #expect(reply.errorCode == testCase.code)
        let error = try #require(reply.json["error"] as? [String: Any])
        #expect((error["message"] as? String)?.isEmpty == false)
        #expect((error["requestId"] as? String)?.isEmpty == false)
        #expect(reply.response.headers["content-type"] == "application/json")
    }

    @Test("a 422 names each field that is wrong")
    func fieldDetails() async throws {
        let harness = Harness()
        try await harness.importBank()
        let reply = try await harness.send(.session, Harness.request(
            .post, "/sessions", json: ["bankId": "bank 1", "questionCount": 1000, "timeLimitSeconds": 1]))
        #expect(reply.status == 422)
        let details = try #require((reply.json["error"] as? [String: Any])?["details"] as? [[String: Any]])
        #expect(details.compactMap { $0["field"] as? String } == ["bankId", "questionCount", "timeLimitSeconds"])
    }

    @Test("a body over the limit is refused with 413 before it is parsed")
    func oversizedBody() async throws {
        let harness = Harness()
        let huge = #"{"bankId": "bank-1", "padding": ""# + String(repeating: "x", count: 300 * 1024) + #""}"#
        let reply = try await harness.send(.session, Harness.request(.post, "/sessions", body: huge, headers: ["content-type": "application/json"]))
        #expect(reply.status == 413)
        #expect(reply.errorCode == "PAYLOAD_TOO_LARGE")
    }

    @Test("requests without an authenticated caller get 401 on every route but /health", arguments: [
        (Harness.Function.session, HTTPMethod.post, "/sessions"), (.session, .get, "/sessions/abc"),
        (.session, .post, "/sessions/abc/complete"), (.session, .post, "/sessions/abc/abandon"),
        (.quiz, .get, "/sessions/abc/question"), (.quiz, .post, "/banks/b/questions"), (.quiz, .get, "/banks/b/questions"),
        (.answer, .post, "/sessions/abc/answer"), (.progress, .get, "/users/me/progress"),
    ])
    func unauthenticated(function: Harness.Function, method: HTTPMethod, path: String) async throws {
        let harness = Harness()
        let reply = try await harness.send(function, Harness.request(method, path, user: nil, json: [:] as [String: String]))
        #expect(reply.status == 401)
        #expect(reply.errorCode == "UNAUTHENTICATED")
        let health = try await harness.send(function, Harness.request(.get, "/health", user: nil))
        #expect(health.status == 200)
        #expect(health.json["store"] as? String == "reachable")
    }

    @Test("an answer to a question not served is 409, and a bad answer id is 422: neither changes the session")
    func answersThatDoNotApply() async throws {
        let harness = Harness()
        try await harness.importBank()
        let sessionId = try await harness.startSession()
        let question = try await harness.currentQuestion(sessionId)
        let id = try #require(question["questionId"] as? String)
        let other = Bank.questions.map(\.id).first { $0 != id }!

        let stale = try await harness.answer(sessionId, questionId: other, ["a"])
        #expect(stale.status == 409)
        #expect(stale.errorCode == "STALE_QUESTION")
        let unknown = try await harness.answer(sessionId, questionId: id, ["zz"])
        #expect(unknown.status == 422)
        #expect(unknown.errorCode == "VALIDATION_FAILED")
        let versioned = try await harness.answer(sessionId, questionId: id, Bank.correct[id]!, expectedVersion: 1)
        #expect(versioned.status == 409)
        #expect(versioned.errorCode == "VERSION_CONFLICT")

        let state = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
        #expect(state.object["session"]?["version"] as? Int == 2)
        #expect(state.object["session"]?["answersSubmitted"] as? Int == 0)
        let progress = try await harness.send(.progress, Harness.request(.get, "/users/me/progress"))
        #expect(progress.object["totals"]?["answers"] as? Int == 0)
    }
}
