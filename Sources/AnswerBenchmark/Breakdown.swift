import Foundation
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
        let sessionKey = Key("USER#\(fixture.user)", "SESSION#\(session.id)")
        let poolKey = Key("USER#\(fixture.user)", "POOL")
        let sessionItem = try await store.get(sessionKey, from: users)!
        let poolItem = try await store.get(poolKey, from: users)!
        let quizSession = try AttributeDecoder().decode(QuizSession.self, from: sessionItem)
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
        try await time("decode the session (AttributeDecoder)") { _ = try AttributeDecoder().decode(QuizSession.self, from: sessionItem) }
        try await time("encode the session (AttributeEncoder)") { _ = try AttributeEncoder().encodeItem(quizSession) }
        try await time("get the pool item (\(poolItem.size / 1024) KB)") { _ = try await store.get(poolKey, from: users) }
        try await time("unpack the pool") { _ = try PoolRecord.pool(from: poolItem) }
        let pool = try PoolRecord.pool(from: poolItem)
        await time("pack the pool") { _ = PoolRecord.item(pool, userId: fixture.user) }
        await time("penalty indicator") { _ = pool.penaltyIndicator }
        try await time("encode the response event") { _ = try response.jsonData() }
        try await time("transaction: session + pool + progress") {
            try await store.transactWrite([
                .put(sessionItem, into: users), .put(poolItem, into: users),
                .update(Key("USER#\(fixture.user)", "PROGRESS"), in: users, [.add("answers", 1), .add("correct", 1)]),
            ])
        }
    }
}
