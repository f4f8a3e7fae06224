import Foundation
import QuizHTTP
import QuizTestSupport
import Testing

/// One user's data never appears in, or is changed by, another user's request.
@Suite("Users are isolated")
struct IsolationTests {
    @Test("another user's session is not found, by any route, and stays as it was", arguments: StoreBackend.all)
    func foreignSession(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()
        let sessionId = try await harness.startSession(user: "alice")
        let question = try await harness.currentQuestion(sessionId, user: "alice")
        let id = try #require(question["questionId"] as? String)

        let attempts: [(Harness.Function, HTTPMethod, String, [String: Any]?)] = [
            (.session, .get, "/sessions/\(sessionId)", nil),
            (.quiz, .get, "/sessions/\(sessionId)/question", nil),
            (.answer, .post, "/sessions/\(sessionId)/answer", ["questionId": id, "selectedAnswers": Bank.correct[id]!]),
            (.session, .post, "/sessions/\(sessionId)/complete", [:]),
            (.session, .post, "/sessions/\(sessionId)/abandon", [:]),
        ]
        for (function, method, path, body) in attempts {
            let reply = try await harness.send(function, Harness.request(method, path, user: "mallory", json: body))
            #expect(reply.status == 404, "\(method) \(path)")
            #expect(reply.errorCode == "SESSION_NOT_FOUND")
        }
        let progress = try await harness.send(.progress, Harness.request(.get, "/users/alice/progress", user: "mallory"))
        #expect(progress.status == 403)

        let own = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)", user: "alice"))
        #expect(own.object["session"]?["version"] as? Int == 2)
        #expect(own.object["session"]?["status"] as? String == "started")
        let malloryProgress = try await harness.send(.progress, Harness.request(.get, "/users/me/progress", user: "mallory"))
        #expect(malloryProgress.object["totals"]?["answers"] as? Int == 0)
        #expect(malloryProgress.object["sessions"]?["started"] as? Int == 0)
    }

    @Test("only authors import, and only authors see correct answers in a listing", arguments: StoreBackend.all)
    func authorsOnly(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        let refused = try await harness.send(.quiz, Harness.request(.post, "/banks/bank-1/questions", user: "learner", json: Bank.json))
        #expect(refused.status == 403)
        #expect(refused.errorCode == "FORBIDDEN")
        let missing = try await harness.send(.quiz, Harness.request(.get, "/banks/bank-1/questions", user: "learner"))
        #expect(missing.status == 404, "nothing was written by the refused import")

        try await harness.importBank()
        let learner = try await harness.send(.quiz, Harness.request(.get, "/banks/bank-1/questions", user: "learner"))
        let learnerQuestions = try #require(learner.json["questions"] as? [[String: Any]])
        #expect(learnerQuestions.count == 4)
        #expect(learnerQuestions.allSatisfy { $0["correctAnswers"] == nil && $0["explanation"] == nil })
        let author = try await harness.send(.quiz, Harness.request(.get, "/banks/bank-1/questions", user: "author-1", groups: ["authors"]))
        let authorQuestions = try #require(author.json["questions"] as? [[String: Any]])
        #expect(authorQuestions.map { $0["correctAnswers"] as? [String] ?? [] } == Bank.questions.map(\.correct))
    }
}
