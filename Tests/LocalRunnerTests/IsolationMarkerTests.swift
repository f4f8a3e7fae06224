import Foundation
import QuizData
import QuizEngine
import QuizFunctions
import QuizHTTP
import QuizStore
import QuizStoreSQLite
import QuizTestSupport
import Testing

/// Several users, each in its own chain of OS processes, on one SQLite file: afterwards no item of
/// one user is found under another user's keys (docs/http-contract.md#identity-and-isolation).
@Suite("Users in separate processes never mix")
struct IsolationMarkerTests {
    @Test("four users' journeys in parallel processes leave every item under its owner")
    func marker() async throws {
        let folder = TemporaryFolder()
        let database = "\(folder.path)/marker.db"
        let imported = try RunnerProcess.invoke(
            "quiz", RunnerProcess.request(.post, "/banks/b1/questions", user: "author", groups: ["authors"], json: sampleBank(6)), databasePath: database)
        #expect(imported.statusCode == 201)

        let users = (0..<4).map { "user-\($0)" }
        let seen = try await withThrowingTaskGroup(of: (String, [String], Int).self) { group in
            for user in users {
                group.addTask { try Self.journey(user: user, database: database) }
            }
            var results: [String: ([String], Int)] = [:]
            for try await (user, sessions, answers) in group { results[user] = (sessions, answers) }
            return results
        }

        let store = try SQLiteTableStore(path: database)
        let table = TableSchema(name: "users", ttlAttribute: "ttl")
        for user in users {
            let items = try await store.queryAll(Query(table, partition: "USER#\(user)"))
            let (sessions, answers) = try #require(seen[user])
            let storedSessions = items.filter { $0.string("sk")?.hasPrefix("SESSION#") == true }
            #expect(Set(storedSessions.compactMap { $0.string("id") }) == Set(sessions))
            #expect(storedSessions.allSatisfy { $0.string("userId") == user }, "a session of another user under \(user)")
            // Pool entries and their index items, one item each: every one names a session of this user.
            let poolItems = items.filter {
                $0.string("sk")?.hasPrefix(PoolRecord.itemPrefix) == true && $0.string("sk") != PoolRecord.summarySortKey
            }
            let poolSessions = try poolItems.map { try PoolRecord.entry(from: $0).sessionId }
            #expect(Set(poolSessions).isSubset(of: Set(sessions)), "a pool entry of another user's session under \(user)")
            let progress = items.first { $0.string("sk") == "PROGRESS" }
            #expect(progress?.int("answers") == Int64(answers))
        }
    }

    /// One user's journey, one process per request: two sessions, a wrong answer in each, answers until done.
    static func journey(user: String, database: String) throws -> (String, [String], Int) {
        var sessions: [String] = []
        var answers = 0
        for _ in 0..<2 {
            let started = try RunnerProcess.invoke("session", RunnerProcess.request(.post, "/sessions", user: user, json: ["bankId": "b1", "questionCount": 2]), databasePath: database)
            let sessionId = try #require((started.json["session"] as? [String: Any])?["sessionId"] as? String)
            sessions.append(sessionId)
            var question = try RunnerProcess.invoke("quiz", RunnerProcess.request(.get, "/sessions/\(sessionId)/question", user: user), databasePath: database).json
            var wrongDone = false
            for _ in 0..<12 {
                guard let questionId = question["questionId"] as? String else { break }
                let choice = wrongDone ? "b" : "c"
                wrongDone = true
                let reply = try RunnerProcess.invoke(
                    "answer", RunnerProcess.request(.post, "/sessions/\(sessionId)/answer", user: user, json: ["questionId": questionId, "selectedAnswers": [choice]]),
                    databasePath: database)
                #expect(reply.statusCode == 200, "\(reply.body)")
                answers += 1
                if reply.json["nextAction"] as? String == "SESSION_COMPLETE" { break }
                question = reply.json["question"] as? [String: Any] ?? [:]
            }
        }
        return (user, sessions, answers)
    }
}
