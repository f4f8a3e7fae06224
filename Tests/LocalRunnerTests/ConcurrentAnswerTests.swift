import Foundation
import QuizHTTP
import QuizTestSupport
import Testing

/// Two answers to one served question from two OS processes at once: exactly one applies
/// (no lost updates: docs/http-contract.md#sessions).
@Suite("Concurrent answers from separate processes")
struct ConcurrentAnswerTests {
    @Test("of two different answers sent at once for one serving, exactly one applies and the other gets 409")
    func raceForOneServing() async throws {
        let folder = TemporaryFolder()
        let database = "\(folder.path)/race.db"
        let imported = try RunnerProcess.invoke(
            "quiz", RunnerProcess.request(.post, "/banks/b1/questions", user: "author", groups: ["authors"], json: sampleBank(12)), databasePath: database)
        #expect(imported.statusCode == 201)

        let rounds = 8
        var applied = 0
        for round in 0..<rounds {
            let user = "racer-\(round)"
            let started = try RunnerProcess.invoke("session", RunnerProcess.request(.post, "/sessions", user: user, json: ["bankId": "b1", "questionCount": 5]), databasePath: database)
            let sessionId = try #require((started.json["session"] as? [String: Any])?["sessionId"] as? String)
            let question = try RunnerProcess.invoke("quiz", RunnerProcess.request(.get, "/sessions/\(sessionId)/question", user: user), databasePath: database)
            let questionId = try #require(question.json["questionId"] as? String)
            let state = try RunnerProcess.invoke("session", RunnerProcess.request(.get, "/sessions/\(sessionId)", user: user), databasePath: database)
            let version = try #require((state.json["session"] as? [String: Any])?["version"] as? Int)

            // A wrong answer and a right one, as from two tabs showing the same serving.
            let contenders = try [["a"], ["b"]].map { choice in
                try RunnerProcess.start(
                    ["invoke", "answer", "--event", "-"], environment: ["QUIZ_STORE_URL": "sqlite:\(database)"],
                    stdin: RunnerProcess.event(RunnerProcess.request(
                        .post, "/sessions/\(sessionId)/answer", user: user,
                        json: ["questionId": questionId, "selectedAnswers": choice, "expectedVersion": version])))
            }
            let responses = try contenders.map { try $0.response() }
            let statuses = responses.map(\.statusCode).sorted()
            #expect(statuses == [200, 409], "round \(round): \(responses.map(\.body))")
            #expect(responses.filter { $0.statusCode == 409 }.allSatisfy { ["VERSION_CONFLICT", "STALE_QUESTION"].contains($0.errorCode ?? "") })
            applied += responses.filter { $0.statusCode == 200 }.count

            let after = try RunnerProcess.invoke("session", RunnerProcess.request(.get, "/sessions/\(sessionId)", user: user), databasePath: database)
            #expect((after.json["session"] as? [String: Any])?["answersSubmitted"] as? Int == 1, "round \(round): one answer applied, not two")
            let progress = try RunnerProcess.invoke("progress", RunnerProcess.request(.get, "/users/me/progress", user: user), databasePath: database)
            #expect((progress.json["totals"] as? [String: Any])?["answers"] as? Int == 1)
        }
        #expect(applied == rounds)
    }
}
