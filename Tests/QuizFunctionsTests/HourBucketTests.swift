import Foundation
import QuizData
import QuizEngine
import QuizFunctions
import QuizHTTP
import QuizStore
import QuizTestSupport
import Testing

/// What the learner's due-hour buckets must be after any reviews (docs/memory-model.md, "How it
/// is stored"): one `MEMHOUR#` item per (category, due hour) of the memory items, none empty, each
/// counting the questions due in it — so progress reads as many of them as the learner has
/// distinct due hours now, not as many as they ever had.
enum HourBucketAudit {
    /// The learner's memory items and `MEMHOUR#` items.
    static func read(_ environment: QuizEnvironment, user: String = "learner-1") async throws -> (stored: [MemoryRecord.Stored], buckets: [Item]) {
        func items(_ prefix: String) async throws -> [Item] {
            try await environment.store.queryAll(Query(environment.tables.users, partition: "USER#\(user)", sortKey: .beginsWith(prefix)))
        }
        return (try await items("MEM#").map { try MemoryRecord.stored(from: $0) }, try await items("MEMHOUR#"))
    }

    /// Expects the buckets to be exactly those of the memory items: one per (category, due hour),
    /// counting its questions, none empty.
    static func expectExact(_ environment: QuizEnvironment, user: String = "learner-1", _ label: String = "") async throws {
        let (stored, buckets) = try await read(environment, user: user)
        var expected: [String: Int] = [:]
        for item in stored {
            guard let dueAt = item.state.dueAt else { continue }
            expected["\(item.category ?? "")#\(Days.hourNumber(dueAt))", default: 0] += 1
        }
        var kept: [String: Int] = [:]
        for bucket in buckets {
            kept["\(bucket.string("category") ?? "")#\(bucket.int("hour") ?? -1)"] = Int(bucket.int("n") ?? 0)
        }
        #expect(buckets.allSatisfy { ($0.int("n") ?? 0) > 0 }, "\(label): an empty bucket remains: \(buckets)")
        #expect(buckets.count == expected.count, "\(label): \(buckets.count) buckets for \(expected.count) distinct due hours")
        #expect(kept == expected, "\(label): kept \(kept), due \(expected)")
    }
}

/// A learner's due-hour buckets through the API, on both backends: one question reviewed for
/// months keeps one bucket, and a question whose category changed leaves its old category's.
@Suite("Memory: due-hour buckets through the API")
struct HourBucketTests {
    @Test("one question reviewed again and again over months keeps exactly one bucket, its sums those of its state", arguments: StoreBackend.all)
    func oneQuestionForMonths(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank(questions: [Bank.question("q1").json])
        let environment = try harness.environment()
        var random = SeededRandomGenerator(seed: 5)
        let started = harness.clock.now
        var reviews = 0
        while harness.clock.now - started < 120 * 86_400_000 {
            let sessionId = try await harness.startSession(count: 1)
            var question = try await harness.currentQuestion(sessionId)
            while question["questionId"] as? String == "q1" {
                let right = Double.random(in: 0..<1, using: &random) < 0.75
                let reply = try await harness.answer(sessionId, questionId: "q1", right ? Bank.correct["q1"]! : Bank.wrong("q1"))
                #expect(reply.status == 200, "\(reply.body)")
                question = reply.object["question"] ?? [:]
            }
            reviews += 1
            try await HourBucketAudit.expectExact(environment, "after \(reviews) sessions")
            // Anything from an hour to three weeks: early, on time and late reviews.
            harness.clock.advance(seconds: Int64.random(in: 3_600...(21 * 86_400), using: &random))
        }
        let (stored, buckets) = try await HourBucketAudit.read(environment)
        let state = try #require(stored.first?.state)
        #expect(state.reps > 12)
        #expect(buckets.count == 1)
        // The bucket came back with each hour the question moved to: its sums are this state's, no drift.
        let only = try #require(MemoryCounters(states: [state]).dueHours.first?.value)
        #expect(abs((buckets.first?["inv"]?.numberValue?.doubleValue ?? 0) - only.inverseStability) < 1e-9)
        #expect(abs((buckets.first?["ios"]?.numberValue?.doubleValue ?? 0) - only.intervalOverStability) < 1e-9)
    }

    @Test("a question whose category changed leaves its old category's bucket, which goes with it", arguments: StoreBackend.all)
    func categoryChange(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        let environment = try harness.environment()
        try await harness.importBank(questions: [Bank.question("q1").json, Bank.question("q2").json])
        let first = try await harness.startSession(count: 2)
        var question = try await harness.currentQuestion(first)
        while let id = question["questionId"] as? String {
            question = try await harness.answer(first, questionId: id, Bank.correct[id]!).object["question"] ?? [:]
        }
        try await HourBucketAudit.expectExact(environment, "both learned")
        #expect(try await HourBucketAudit.read(environment).buckets.count == 1, "learned together: one hour of algebra")

        // q1 moves to geometry; reviewed three days later it leaves the algebra hour, which keeps q2.
        var moved = Bank.question("q1").json
        moved["category"] = "geometry"
        try await harness.importBank(questions: [moved])
        harness.clock.advance(seconds: 3 * 86_400)
        let second = try await harness.startSession(count: 2)
        question = try await harness.currentQuestion(second)
        while let id = question["questionId"] as? String {
            question = try await harness.answer(second, questionId: id, Bank.correct[id]!).object["question"] ?? [:]
            try await HourBucketAudit.expectExact(environment, "after \(id)")
        }
        let (stored, buckets) = try await HourBucketAudit.read(environment)
        #expect(stored.map(\.category).sorted { ($0 ?? "") < ($1 ?? "") } == ["algebra", "geometry"])
        #expect(Set(buckets.compactMap { $0.string("category") }) == ["algebra", "geometry"])
        // Progress per category agrees: one question tracked in each.
        let reply = try await harness.send(.progress, Harness.request(.get, "/users/me/progress"))
        let categories = try #require(reply.object["memory"]?["categories"] as? [[String: Any]])
        #expect(categories.map { $0["category"] as? String } == ["algebra", "geometry"])
        #expect(categories.map { $0["tracked"] as? Int } == [1, 1])
        #expect(categories.map { ($0["forecast"] as? [Int])?.reduce(0, +) } == [1, 1])
    }
}
