import Foundation
import QuizData
import QuizEngine
import QuizFunctions
import QuizHTTP
import QuizObservability
import QuizResilience
import QuizStore
import QuizStoreDynamoDB
import QuizTestSupport
import Testing

/// The maintenance sweep at scale: per-item isolation, a time budget with a cursor kept in the
/// table, shards in turn, and no scans on DynamoDB.
@Suite("Maintenance at scale")
struct MaintenanceSweepTests {
    /// `count` active sessions, spread over `count / 10` learners and so over every shard,
    /// started at the harness's time and idle from then on; written straight into the store.
    static func seedSessions(_ count: Int, in environment: QuizEnvironment, now: Int64) async throws -> [String] {
        var random = SeededRandomGenerator(seed: 5)
        var items: [BatchWrite] = []
        var ids: [String] = []
        for index in 0..<count {
            let id = "s\(index)-\(String((random.next() as UInt64) & 0xFFFF_FFFF, radix: 16))"
            let user = "sweep-\(index % max(1, count / 10))"
            let session = try QuizSession.start(
                id: id, userId: user, bankId: "bank-1", candidateQuestionIds: ["q1", "q2"],
                options: QuizSession.Options(questionCount: 2, timeLimitSeconds: 604_800), pool: WrongAnswerPool(), now: now, using: &random)
            items.append(.put(SessionRecord.item(session, retentionSeconds: 86_400)))
            let index = Keys.active(sessionId: id, startedAt: now)
            items.append(.put(["pk": .string(index.partition), "sk": .string(index.sort ?? ""), "userId": .string(user), "sessionId": .string(id)]))
            ids.append(id)
        }
        try await environment.store.batchWrite(items, in: environment.tables.users)
        return ids
    }

    /// A session item whose packed state is damaged, and an index item that names no session.
    static func poison(_ environment: QuizEnvironment, now: Int64) async throws -> (session: Key, index: Key) {
        let users = environment.tables.users
        var random = SeededRandomGenerator(seed: 9)
        let session = try QuizSession.start(
            id: "poisoned", userId: "sweep-poison", bankId: "bank-1", candidateQuestionIds: ["q1"],
            options: QuizSession.Options(questionCount: 1, timeLimitSeconds: 604_800), pool: WrongAnswerPool(), now: now, using: &random)
        var item = SessionRecord.item(session, retentionSeconds: 86_400)
        item[SessionRecord.stateAttribute] = .binary([9, 9, 9])
        try await environment.store.put(item, into: users)
        let sessionIndex = Keys.active(sessionId: "poisoned", startedAt: now)
        try await environment.store.put(
            ["pk": .string(sessionIndex.partition), "sk": .string(sessionIndex.sort ?? ""), "userId": "sweep-poison", "sessionId": "poisoned"], into: users)
        let orphan = Key(Keys.activePartition(3), "\(Keys.paddedTime(now))#orphan")
        try await environment.store.put(["pk": .string(orphan.partition), "sk": .string(orphan.sort ?? "")], into: users)
        return (Keys.session("sweep-poison", "poisoned"), orphan)
    }

    @Test("20,000 active sessions with poisoned items among them: every other session is abandoned within bounded runs")
    func twentyThousand() async throws {
        let harness = Harness { $0.maintenanceBudgetSeconds = 1 }
        let environment = try harness.environment()
        let startedAt = harness.clock.now
        let ids = try await Self.seedSessions(20_000, in: environment, now: startedAt)
        let poisoned = try await Self.poison(environment, now: startedAt)
        harness.clock.advance(seconds: 86_400 + 60)

        var abandoned = 0
        var runs: [MaintenanceFunction.Summary] = []
        // Each run sweeps at least one page of 100 before it looks at its budget: 20,000
        // sessions take at most 200 runs, and one more round finds nothing left to do.
        while runs.count < 260 {
            let summary = try await MaintenanceFunction(environment: try harness.environment()).run(now: harness.clock.now)
            runs.append(summary)
            abandoned += summary.sessionsAbandoned
            if abandoned == ids.count, summary.sessionsAbandoned == 0, !summary.stoppedByBudget { break }
        }
        #expect(abandoned == ids.count, "abandoned \(abandoned) of \(ids.count) in \(runs.count) runs")
        #expect(runs.allSatisfy { $0.sessionsExpired == 0 })
        #expect(runs.contains { $0.itemsSkipped >= 2 }, "the poisoned items are skipped, not fatal")
        // The poisoned items are reported with their keys, and stay where they are.
        let warnings = harness.logs.lines.filter { $0.contains("maintenance skipped") }
        #expect(warnings.contains { $0.contains(poisoned.session.description) })
        #expect(warnings.contains { $0.contains(poisoned.index.description) })
        // Every shard was visited, in turn: the runs' starting shards went round.
        #expect(Set(runs.map(\.nextShard)).count > 1)
        let sample = try await environment.store.get(Keys.session("sweep-7", ids[7]), from: environment.tables.users)
        #expect(try SessionRecord.session(from: try #require(sample)).status == .abandoned)
    }

    @Test("a run out of time leaves its place in the table; the next run goes on from there")
    func resumes() async throws {
        let harness = Harness { $0.maintenanceBudgetSeconds = 1 }
        let environment = try harness.environment()
        let now = harness.clock.now
        _ = try await Self.seedSessions(2_000, in: environment, now: now)
        harness.clock.advance(seconds: 86_400 + 60)
        // A budget already spent: each run sweeps one page, then stops and keeps its place.
        let sweep = SessionSweep(
            data: LearnerData(store: environment.store, tables: environment.tables, sessionRetentionSeconds: 86_400), abandonAfterSeconds: 86_400, pageSize: 50)
        var total = 0
        var runs = 0
        while total < 2_000, runs < 100 {
            let summary = try await sweep.run(now: harness.clock.now, budget: .zero) { _, _ in }
            runs += 1
            #expect(summary.stoppedByBudget)
            #expect(summary.sessionsScanned <= 50)
            // Nothing is scanned twice: every session scanned was still due, and is abandoned now.
            #expect(summary.sessionsAbandoned == summary.sessionsScanned)
            total += summary.sessionsAbandoned
        }
        #expect(total == 2_000)
        #expect(runs >= 40, "one page per run: \(runs) runs")
        let cursor = try await environment.store.get(Keys.sweepCursor, from: environment.tables.users)
        #expect(cursor?.int("shard") != nil)
    }

    @Test("DynamoDB: the sweep queries the index page by page, never scans, and leaves expired items to DynamoDB's TTL")
    func noScansOnDynamoDB() async throws {
        let harness = try await Harness(backend: .dynamoDB) { $0.maintenanceBudgetSeconds = 1 }
        let proxy = try FaultProxy(upstream: try MotoServer.shared())
        defer { proxy.stop() }
        var configuration = try #require(harness.dynamoDB)
        configuration.endpoint = proxy.endpoint
        let store = ResilientTableStore(wrapping: try DynamoDBTableStore(configuration: configuration))
        let environment = try harness.environment { _ in store }
        let now = harness.clock.now
        _ = try await Self.seedSessions(120, in: environment, now: now)
        let poisoned = try await Self.poison(environment, now: now)
        harness.clock.advance(seconds: 86_400 + 60)
        try proxy.reset()
        var abandoned = 0
        for _ in 0..<40 where abandoned < 120 {
            let summary = try await MaintenanceFunction(environment: environment).run(now: harness.clock.now)
            abandoned += summary.sessionsAbandoned
            #expect(summary.expiredItemsRemoved == 0)
        }
        #expect(abandoned == 120)
        let targets = Set(try proxy.requests().map(\.target))
        #expect(!targets.contains("Scan"), "operations sent: \(targets.sorted())")
        #expect(targets.contains("Query"))
        #expect(harness.logs.lines.contains { $0.contains(poisoned.session.description) })
    }
}
