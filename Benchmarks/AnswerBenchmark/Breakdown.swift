import Foundation
import QuizData
import QuizEngine
import QuizFunctions
import QuizHTTP
import QuizStore

/// `--breakdown`: the cost of each step an answer takes, timed alone, to see where the time goes.
enum Breakdown {
    static func run(fixture: BenchmarkFixture, session: BenchmarkFixture.Session) async throws {
        let environment = fixture.environment
        let store = environment.store
        let users = environment.tables.users
        let event = try fixture.answerEvent(session: session, wrong: false)
        let partition = "USER#\(fixture.user)"
        let sessionKey = Key(partition, "SESSION#\(session.id)")
        let progressKey = Key(partition, "PROGRESS")
        let entryKey = Key(partition, "\(PoolRecord.entryPrefix)\(fixture.bankId)#q\(fixture.questionCount - 1)")
        let questionKey = Key("BANK#\(fixture.bankId)", "Q#\(session.questionId)")
        let sessionItem = try await store.get(sessionKey, from: users)!
        let sessionBytes = ItemCodec.encode(sessionItem)
        let response = HTTPResponseEvent(statusCode: 200, headers: ["content-type": "application/json"], body: String(repeating: "x", count: 600))

        func time(_ name: String, _ body: () async throws -> Void) async rethrows {
            let rounds = 2000
            let clock = ContinuousClock()
            let start = clock.now
            for _ in 0..<rounds { try await body() }
            let elapsed = clock.now - start
            let micros = (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12) / Double(rounds)
            print(String(format: "  %-44@ %8.1f µs", name as NSString, micros))
        }
        print("breakdown (each step alone, mean of 2,000):")
        try await time("decode the API Gateway event") { _ = try HTTPRequestEvent(json: event) }
        try await time("get the session item") { _ = try await store.get(sessionKey, from: users) }
        print("  (session item: \(sessionBytes.count) bytes stored)")
        try await time("decode the session item's bytes (ItemCodec)") { _ = try ItemCodec.decode(sessionBytes) }
        await time("encode the session item's bytes (ItemCodec)") { _ = ItemCodec.encode(sessionItem) }
        try await time("get a question item") { _ = try await store.get(questionKey, from: environment.tables.questions) }
        try await time("get a pool entry item") { _ = try await store.get(entryKey, from: users) }
        try await time("query the pool summary and 2 oldest entries") {
            _ = try await store.query(Query(users, partition: partition, sortKey: .beginsWith(PoolRecord.summarySortKey), limit: 3))
        }
        try await time("encode the response event") { _ = try response.jsonData() }
        try await time("transaction: session + progress") {
            try await store.transactWrite([
                .put(sessionItem, into: users),
                .update(progressKey, in: users, [.add("answers", 0), .add("correct", 0)]),
            ])
        }
    }
}
