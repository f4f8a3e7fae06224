import Foundation
import QuizData
import QuizEngine
import QuizFunctions
import QuizHTTP
import QuizStore
import QuizTestSupport
import Testing

/// The `memory` section of progress, from counters kept in the answers' transactions, and
/// per-category counters that no item outgrows (docs/memory-model.md, "Progress").
@Suite("Progress: memory and categories")
struct ProgressMemoryTests {
    static let day: Int64 = 86_400_000

    @Test("tracked, due now, forecast, mean retrievability, overall and per category, as time passes", arguments: StoreBackend.all)
    func memoryProgress(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()
        let reviewedAt = harness.clock.now
        let sessionId = try await harness.startSession(count: 4)
        var question = try await harness.currentQuestion(sessionId)
        while let id = question["questionId"] as? String {
            let reply = try await harness.answer(sessionId, questionId: id, Bank.correct[id]!)
            question = reply.object["question"] ?? [:]
        }
        func memory() async throws -> [String: Any] {
            let reply = try await harness.send(.progress, Harness.request(.get, "/users/me/progress"))
            #expect(reply.status == 200, "\(reply.body)")
            return try #require(reply.object["memory"])
        }
        func forecast(_ counts: [Int: Int]) -> [Int] { (0..<30).map { counts[$0] ?? 0 } }

        // Four first goods: stability 2.3065, all due two days later.
        var now = try await memory()
        #expect(now["tracked"] as? Int == 4)
        #expect(now["dueNow"] as? Int == 0)
        #expect(now["forecast"] as? [Int] == forecast([2: 4]))
        #expect(now["meanRetrievability"] as? Double == 1)
        #expect(now["mature"] as? Int == 0 && now["leeches"] as? Int == 0)
        let categories = try #require(now["categories"] as? [[String: Any]])
        #expect(categories.map { $0["category"] as? String } == ["algebra", "geometry"])
        #expect(categories.map { $0["tracked"] as? Int } == [2, 2])
        #expect(categories.map { $0["forecast"] as? [Int] } == [forecast([2: 2]), forecast([2: 2])])

        // A minute before they fall due (today, by then), and a minute after: the current hour split exactly.
        harness.clock.advance(seconds: 2 * 86_400 - 60)
        now = try await memory()
        #expect(now["dueNow"] as? Int == 0)
        #expect(now["forecast"] as? [Int] == forecast([0: 4]))
        harness.clock.advance(seconds: 120)
        now = try await memory()
        #expect(now["dueNow"] as? Int == 4)
        #expect(now["forecast"] as? [Int] == forecast([:]))
        #expect((now["categories"] as? [[String: Any]])?.map { $0["dueNow"] as? Int } == [2, 2])

        // Three whole days after the reviews: R = (1 + factor · 3 / S)^decay for each.
        harness.clock.advance(seconds: 86_400 + 2 * 3600)
        now = try await memory()
        let expected = FSRS().retrievability(elapsedDays: 3, stability: 2.3065)
        #expect(abs((now["meanRetrievability"] as? Double ?? 0) - expected) < 1e-4)
        #expect(Days.elapsed(from: reviewedAt, to: harness.clock.now) == 3)

        // Progress reads counters, never memory items: with the items gone, the figures stay.
        let environment = try harness.environment()
        for item in try await environment.store.queryAll(
            Query(environment.tables.users, partition: "USER#learner-1", sortKey: .beginsWith("MEM#")))
        {
            _ = try await environment.store.delete(try environment.tables.users.key(of: item), from: environment.tables.users)
        }
        #expect(try await memory()["tracked"] as? Int == 4)
    }

    @Test("the kept counters equal the counters recounted from the memory items, after weeks of random answers")
    func countersMatchStates() async throws {
        let harness = Harness(seed: 3)
        try await harness.importBank()
        var random = SeededRandomGenerator(seed: 99)
        for _ in 0..<25 {
            let sessionId = try await harness.startSession(count: 4)
            var question = try await harness.currentQuestion(sessionId)
            while let id = question["questionId"] as? String {
                let right = Double.random(in: 0..<1, using: &random) < 0.7
                let reply = try await harness.answer(sessionId, questionId: id, right ? Bank.correct[id]! : Bank.wrong(id))
                #expect(reply.status == 200)
                question = reply.object["question"] ?? [:]
            }
            harness.clock.advance(seconds: Int64.random(in: 3_600...(4 * 86_400), using: &random))
        }
        let environment = try harness.environment()
        let data = LearnerData(store: environment.store, tables: environment.tables, sessionRetentionSeconds: 0)
        let items = try await environment.store.queryAll(
            Query(environment.tables.users, partition: "USER#learner-1", sortKey: .beginsWith("MEM#")))
        let stored = try items.map { try MemoryRecord.stored(from: $0) }
        #expect(stored.count == 4)
        #expect(stored.allSatisfy { $0.state.reps > 1 })
        let kept = try await data.memoryCounters(
            of: "learner-1", progress: try await data.progress(of: "learner-1"),
            categoryItems: try await data.categoryProgress(of: "learner-1"), now: harness.clock.now)
        #expect(kept.overall.matches(MemoryCounters(states: stored.map(\.state))), "kept \(kept.overall) recounted \(MemoryCounters(states: stored.map(\.state))) states \(stored.map(\.state))")
        for category in ["algebra", "geometry"] {
            let recounted = MemoryCounters(states: stored.filter { $0.category == category }.map(\.state))
            #expect(kept.categories[category]?.matches(recounted) == true, "\(category)")
        }
        // The due-hour buckets are those of the items: one per (category, due hour), none left empty.
        try await HourBucketAudit.expectExact(environment, "after weeks of random answers")
        // The due index holds exactly one copy per item, at its due time.
        let due = try await environment.store.queryAll(
            Query(environment.tables.users, partition: "USER#learner-1", sortKey: .beginsWith("MEMDUE#")))
        #expect(due.compactMap { $0.int("dueAt") }.sorted() == stored.compactMap(\.state.dueAt).sorted())
        // And the progress figures agree with the exact ones from the states.
        let reply = try await harness.send(.progress, Harness.request(.get, "/users/me/progress"))
        let memory = try #require(reply.object["memory"])
        let exact = MemoryProgress(states: stored.map(\.state), now: harness.clock.now)
        #expect(memory["dueNow"] as? Int == exact.dueNow)
        #expect(memory["forecast"] as? [Int] == exact.forecast)
        // The mean retrievability is the histogram's estimate (docs/memory-model.md, "Progress"):
        // the same estimate as from counters recounted from the states, to the figure's 4 places.
        let dueThisHour = stored.filter { state in
            guard let dueAt = state.state.dueAt else { return false }
            return Days.hourNumber(dueAt) == Days.hourNumber(harness.clock.now) && dueAt <= harness.clock.now
        }.count
        let estimate = MemoryProgress(
            counters: MemoryCounters(states: stored.map(\.state)), dueEarlierThisHour: dueThisHour, now: harness.clock.now)
        #expect(abs((memory["meanRetrievability"] as? Double ?? -1) - estimate.meanRetrievability) <= 0.00005)
    }

    @Test("3,000 categories: progress lists them all, and no item grows with them")
    func manyCategories() async throws {
        let harness = Harness()
        let count = 3_000
        let questions: [[String: Any]] = (0..<count).map { index in
            let id = String(format: "q%04d", index)
            return [
                "id": id, "category": String(format: "c%04d", index), "text": "Question \(index)?",
                "answers": [["id": "a", "text": "no"], ["id": "b", "text": "yes"]], "correctAnswers": ["b"],
            ]
        }
        try await harness.importBank(questions: questions)
        let environment = try harness.environment()
        // One session per category, one question each: every category answered once.
        for index in 0..<count {
            let started = await harness.send(
                .session,
                Harness.request(.post, "/sessions", json: ["bankId": "bank-1", "category": String(format: "c%04d", index), "questionCount": 1]),
                on: environment)
            let sessionId = try #require(started.object["session"]?["sessionId"] as? String)
            _ = await harness.send(.quiz, Harness.request(.get, "/sessions/\(sessionId)/question"), on: environment)
            let reply = await harness.send(
                .answer,
                Harness.request(
                    .post, "/sessions/\(sessionId)/answer", json: ["questionId": String(format: "q%04d", index), "selectedAnswers": ["b"]]),
                on: environment)
            #expect(reply.status == 200, "\(reply.body)")
        }
        let reply = await harness.send(.progress, Harness.request(.get, "/users/me/progress"), on: environment)
        #expect(reply.status == 200)
        let categories = try #require(reply.json["categories"] as? [[String: Any]])
        #expect(categories.count == count)
        #expect(categories.allSatisfy { $0["answers"] as? Int == 1 && $0["correct"] as? Int == 1 })
        let memory = try #require(reply.object["memory"])
        #expect(memory["tracked"] as? Int == count)
        #expect((memory["categories"] as? [[String: Any]])?.count == count)
        #expect((reply.json["totals"] as? [String: Any])?["answers"] as? Int == count)

        // Every item of the learner stays small: the totals item does not grow with categories.
        let items = try await environment.store.queryAll(Query(environment.tables.users, partition: "USER#learner-1"))
        let largest = items.map(\.size).max() ?? 0
        #expect(largest < 4_096, "the largest item is \(largest) bytes")
        let progress = try #require(items.first { $0.string("sk") == "PROGRESS" })
        #expect(progress.size < 1_024)
    }
}
