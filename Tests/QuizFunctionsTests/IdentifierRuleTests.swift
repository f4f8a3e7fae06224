import Foundation
import QuizEngine
import QuizHTTP
import QuizTestSupport
import Testing

/// One rule for ids, end to end (docs/http-contract.md#identifiers): whatever the import accepts,
/// every route accepts; whatever a route refuses, the import refused first. Before the rule a
/// choice id of 18 `é` imported (18 characters) and every answer naming it got 422 (36 bytes), so
/// that question could only be answered wrong.
@Suite("Identifiers: one rule for the import and every route")
struct IdentifierRuleTests {
    static let accented = String(repeating: "é", count: 18)
    /// The same id in a path, percent-encoded as a client sends it.
    static let accentedInPath = String(repeating: "%C3%A9", count: 18)

    static func question(choiceIds: [String]) -> [String: Any] {
        [
            "id": "q-id", "category": "ids", "text": "Which?", "answers": choiceIds.map { ["id": $0, "text": "choice \($0)"] },
            "correctAnswers": [choiceIds[0]],
        ]
    }

    static func importBank(_ harness: Harness, _ questions: [[String: Any]]) async throws -> Reply {
        try await harness.send(.quiz, Harness.request(.post, "/banks/ids/questions", user: "author-1", groups: ["authors"], json: questions))
    }

    @Test("a choice id of 18 é (36 bytes) is refused at import, naming the field, and nothing is written")
    func accentedChoiceIdIsRefusedAtImport() async throws {
        let harness = Harness()
        let reply = try await Self.importBank(harness, [Self.question(choiceIds: [Self.accented, "b"])])
        #expect(reply.status == 422)
        #expect(reply.errorCode == "VALIDATION_FAILED")
        let details = try #require((reply.json["error"] as? [String: Any])?["details"] as? [[String: Any]])
        #expect(details.count == 1)
        #expect(details.first?["field"] as? String == "answers[0].id")
        #expect(details.first?["row"] as? Int == 1)
        #expect(details.first?["message"] as? String == "the answer id is longer than 32 bytes of UTF-8")

        let listed = try await harness.send(.quiz, Harness.request(.get, "/banks/ids/questions"))
        #expect(listed.status == 404, "nothing of the refused upload was written: \(listed.body)")
    }

    @Test("the answer route refuses the same id with 422, as the import does")
    func answerRouteRefusesWhatTheImportRefuses() async throws {
        let harness = Harness()
        try await harness.importBank()
        let sessionId = try await harness.startSession(count: 1)
        let served = try await harness.currentQuestion(sessionId)
        let questionId = try #require(served["questionId"] as? String)
        let reply = try await harness.answer(sessionId, questionId: questionId, [Self.accented])
        #expect(reply.status == 422)
        #expect(reply.errorCode == "VALIDATION_FAILED")
    }

    @Test("a choice id of exactly 32 bytes imports, is served and is graded correct", arguments: [
        String(repeating: "c", count: 32), String(repeating: "é", count: 16),
    ])
    func longestChoiceIdIsAnswerable(longest: String) async throws {
        #expect(longest.utf8.count == Identifier.Kind.choice.maximumBytes)
        let harness = Harness()
        let imported = try await Self.importBank(harness, [Self.question(choiceIds: [longest, "b"])])
        #expect(imported.status == 201, "\(imported.body)")
        let sessionId = try await harness.startSession(bankId: "ids", count: 1)
        let served = try await harness.currentQuestion(sessionId)
        let offered = (served["answers"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
        #expect(Set(offered ?? []) == [longest, "b"])
        let reply = try await harness.answer(sessionId, questionId: "q-id", [longest])
        #expect(reply.status == 200, "\(reply.body)")
        #expect(reply.json["correct"] as? Bool == true)
        #expect(reply.json["nextAction"] as? String == "SESSION_COMPLETE")
    }

    @Test("a path id outside the rule is 400 on every route that takes one", arguments: [
        (Harness.Function.session, HTTPMethod.get, "/sessions/\(IdentifierRuleTests.accentedInPath)"),
        (.quiz, .get, "/sessions/\(IdentifierRuleTests.accentedInPath)/question"),
        (.answer, .post, "/sessions/\(IdentifierRuleTests.accentedInPath)/answer"),
        (.quiz, .get, "/banks/\(IdentifierRuleTests.accentedInPath)/questions"),
        (.quiz, .get, "/banks/\(String(repeating: "b", count: 129))/questions"),
    ])
    func pathIds(function: Harness.Function, method: HTTPMethod, path: String) async throws {
        let harness = Harness()
        let reply = try await harness.send(function, Harness.request(method, path, json: method == .post ? [:] as [String: Any] : nil))
        #expect(reply.status == 400, "\(reply.body)")
        #expect(reply.errorCode == "BAD_REQUEST")
        let message = (reply.json["error"] as? [String: Any])?["message"] as? String ?? ""
        #expect(message.hasPrefix("Path parameter '") && message.contains("must be 1 to 128 characters"), "\(message)")
    }
}
