import Foundation
import QuizData
import QuizHTTP
import QuizStore
import QuizStoreSQLite
import QuizTestSupport
import Testing

/// Imports into one bank from separate processes at once: every question is counted as created
/// by exactly one of them, and the bank's summary counts exactly the questions it holds.
@Suite("Concurrent imports from separate processes")
struct ImportConcurrencyTests {
    @Test("overlapping uploads at once: created once each, replaced otherwise, and META counts what the bank holds")
    func overlappingUploads() async throws {
        let folder = TemporaryFolder()
        let database = "\(folder.path)/imports.db"
        // Five uploads of 70 questions, each overlapping the next by 50: 150 distinct questions,
        // every transaction of every upload racing another for the same ids. Odd uploads move
        // their questions to another category, so index items move too.
        let uploads = (0..<5).map { upload in
            (upload * 20..<upload * 20 + 70).map { index -> [String: Any] in
                [
                    "id": "q\(index)", "category": upload % 2 == 0 ? "even" : "odd", "text": "Question \(index), upload \(upload)?",
                    "answers": ["a", "b", "c"].map { ["id": $0, "text": "choice \($0)"] }, "correctAnswers": ["b"],
                ]
            }
        }
        let running = try uploads.map { upload in
            try RunnerProcess.start(
                ["invoke", "quiz", "--event", "-"], environment: ["QUIZ_STORE_URL": "sqlite:\(database)"],
                stdin: RunnerProcess.event(RunnerProcess.request(.post, "/banks/shared/questions", user: "author", groups: ["authors"], json: upload)))
        }
        let responses = try running.map { try $0.response() }
        #expect(responses.map(\.statusCode) == Array(repeating: 201, count: uploads.count), "\(responses.map(\.body))")
        let created = responses.compactMap { $0.json["created"] as? Int }
        let replaced = responses.compactMap { $0.json["replaced"] as? Int }
        #expect(created.reduce(0, +) == 150, "created \(created)")
        #expect(zip(created, replaced).allSatisfy { $0 + $1 == 70 }, "created \(created), replaced \(replaced)")

        let store = try SQLiteTableStore(path: database)
        let tables = QuizTables()
        let meta = try await store.get(Key("BANK#shared", "META"), from: tables.questions)
        let questions = try await store.queryAll(Query(tables.questions, partition: "BANK#shared", sortKey: .beginsWith("Q#")))
        let index = try await store.queryAll(Query(tables.questions, partition: "BANK#shared", sortKey: .beginsWith("C#")))
        #expect(questions.count == 150)
        #expect(meta?.int("questionCount") == 150)
        // One index item per question, under the category of the question as it is now.
        #expect(index.count == 150)
        let categoryOf = Dictionary(uniqueKeysWithValues: questions.map { ($0.string("id") ?? "", $0.string("category") ?? "") })
        #expect(index.allSatisfy { item in
            guard let id = item.string("questionId"), let sort = item.string("sk") else { return false }
            return sort == "C#\(categoryOf[id] ?? "?")#\(id)"
        })
        // The slots sessions draw from stayed dense through every race: no gap, no duplicate.
        let problems = try await OrdinalAudit.problems(in: store, table: tables.questions, bankId: "shared")
        #expect(problems == [], "\(problems)")
    }
}
