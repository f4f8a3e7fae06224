import Foundation
import QuizData
import QuizEngine
import QuizFunctions
import QuizHTTP
import QuizStore
import QuizTestSupport
import Testing

/// Drawing a session's questions from ordinal slots (docs/data-layer.md, "Drawing a session"):
/// what imports leave behind, what a draw reads, and that it is uniform without replacement.
@Suite("Drawing a session's questions")
struct DrawTests {
    /// Questions `ids`, each in the category `category(index)` says (`nil`: none).
    static func questions(_ ids: some Sequence<Int>, text: String = "v1", category: (Int) -> String?) -> [[String: Any]] {
        ids.map { index in
            var question: [String: Any] = [
                "id": "q\(index)", "text": "Question \(index), \(text)?",
                "answers": ["a", "b", "c"].map { ["id": $0, "text": "choice \($0)"] }, "correctAnswers": ["b"],
            ]
            if let category = category(index) { question["category"] = category }
            return question
        }
    }

    static func bank(_ harness: Harness, store: (any TableStore)? = nil) throws -> QuestionBank {
        let environment = try harness.environment()
        return QuestionBank(store: store ?? environment.store, table: environment.tables.questions)
    }

    static func audit(_ harness: Harness, bankId: String = "bank-1", allowingUnassigned: Bool = false) async throws -> [String] {
        let environment = try harness.environment()
        return try await OrdinalAudit.problems(
            in: environment.store, table: environment.tables.questions, bankId: bankId, allowingUnassigned: allowingUnassigned)
    }

    /// The bank's questions of `category`, as the question items say.
    static func members(_ harness: Harness, bankId: String = "bank-1", category: String) async throws -> Set<String> {
        let environment = try harness.environment()
        let items = try await environment.store.queryAll(Query(environment.tables.questions, partition: "BANK#\(bankId)", sortKey: .beginsWith("Q#")))
        return Set(items.filter { $0.string("category") == category }.compactMap { $0.string("id") })
    }

    @Test("re-imports that move questions between categories keep every slot dense, and each category draws exactly its questions",
          arguments: StoreBackend.all)
    func denseThroughMoves(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank(questions: Self.questions(0..<40) { "c\($0 % 3)" })
        #expect(try await Self.audit(harness) == [])
        // Twenty questions move one category on, five lose their category, ten are new in a new one.
        let moved = Self.questions(0..<20, text: "v2") { "c\(($0 + 1) % 3)" } + Self.questions(20..<25, text: "v2") { _ in nil }
        let reply = try await harness.importBank(questions: moved + Self.questions(40..<50) { _ in "c9" })
        #expect(reply.json["created"] as? Int == 10)
        #expect(reply.json["replaced"] as? Int == 25)
        #expect(try await Self.audit(harness) == [])

        var rng = SeededRandomGenerator(seed: 3)
        let bank = try Self.bank(harness)
        for category in ["c0", "c1", "c2", "c9"] {
            let drawn = try await bank.draw(bankId: "bank-1", category: category, count: 100, using: &rng)
            #expect(drawn.count == Set(drawn).count)
            #expect(Set(drawn) == (try await Self.members(harness, category: category)), "\(category)")
        }
        #expect(try await bank.draw(bankId: "bank-1", category: "nothing", count: 5, using: &rng) == [])
        let all = try await bank.draw(bankId: "bank-1", category: nil, count: 100, using: &rng)
        #expect(all.count == 50 && Set(all).count == 50)
        await #expect(throws: DataError.bankNotFound("none")) { try await bank.draw(bankId: "none", category: nil, count: 3, using: &rng) }

        // A session of one category serves only that category's questions.
        let sessionId = try await harness.startSession(count: 4, extra: ["category": "c9"])
        let served = try #require(try await harness.currentQuestion(sessionId)["questionId"] as? String)
        #expect((try await Self.members(harness, category: "c9")).contains(served))
    }

    @Test("an upload moving more questions than one transaction holds, from the middle of a category: the tail questions that take their slots keep up",
          arguments: StoreBackend.all)
    func movesAcrossTransactions(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank(questions: Self.questions(0..<100) { _ in "a" })
        // Each move out of "a" hands its slot to the category's last question, which is itself in
        // the upload but in a later transaction.
        let reply = try await harness.importBank(questions: Self.questions(40..<100, text: "v2") { _ in "b" })
        #expect(reply.json["replaced"] as? Int == 60)
        #expect(try await Self.audit(harness) == [])
        #expect(try await Self.members(harness, category: "a") == Set((0..<40).map { "q\($0)" }))
        var rng = SeededRandomGenerator(seed: 8)
        let drawn = try await Self.bank(harness).draw(bankId: "bank-1", category: "b", count: 100, using: &rng)
        let members = try await Self.members(harness, category: "b")
        #expect(drawn.count == 60 && Set(drawn) == members)
    }

    @Test("starting a session makes the same store calls for a bank of 200 questions as for one of 4,000; the draw reads no index")
    func readsIndependentOfSize() async throws {
        let harness = try await Harness(backend: .sqlite)
        try await harness.importBank("small", questions: Self.questions(0..<200) { "c\($0 % 4)" })
        try await harness.importBank("large", questions: Self.questions(0..<4000) { "c\($0 % 4)" })
        var operations: [String: [FaultInjectingTableStore.Operation]] = [:]
        for bankId in ["small", "large"] {
            for category in [nil, "c2"] as [String?] {
                let counted = FaultInjectingTableStore(wrapping: try harness.environment().store)
                let environment = try harness.environment { _ in counted }
                var body: [String: Any] = ["bankId": bankId, "questionCount": 10]
                if let category { body["category"] = category }
                let reply = await harness.send(.session, Harness.request(.post, "/sessions", json: body), on: environment)
                #expect(reply.status == 201, "\(reply.body)")
                operations["\(bankId) \(category ?? "-")"] = counted.calls.map(\.operation)
            }
        }
        #expect(operations["small -"] == operations["large -"])
        #expect(operations["small c2"] == operations["large c2"])
        // The one query is the learner's pool; the bank is read by key only.
        #expect(operations.values.allSatisfy { $0.filter { $0 == .query }.count == 1 }, "\(operations)")
        // The draw itself: the summary, then one batch read of the drawn slots (with the category's counter, two batch reads).
        let counted = FaultInjectingTableStore(wrapping: try harness.environment().store)
        var rng = SeededRandomGenerator(seed: 1)
        _ = try await Self.bank(harness, store: counted).draw(bankId: "large", category: nil, count: 10, using: &rng)
        _ = try await Self.bank(harness, store: counted).draw(bankId: "large", category: "c1", count: 10, using: &rng)
        #expect(counted.calls.map(\.operation) == [.get, .batchGet, .batchGet, .batchGet])
    }

    @Test("a re-import rewrites no index entry of a question that keeps its category, and moves the entries of those that change it")
    func reimportWrites() async throws {
        let harness = try await Harness(backend: .sqlite)
        try await harness.importBank(questions: Self.questions(0..<40) { "c\($0 % 2)" })
        let counted = FaultInjectingTableStore(wrapping: try harness.environment().store)
        let environment = try harness.environment { _ in counted }
        // Every question again with a new text; q0 and q2 move from c0 to c1.
        let questions = Self.questions(0..<40, text: "v2") { $0 == 0 || $0 == 2 ? "c1" : "c\($0 % 2)" }
        let reply = await harness.send(
            .quiz, Harness.request(.post, "/banks/bank-1/questions", user: "author-1", groups: ["authors"], json: questions), on: environment)
        #expect(reply.status == 201, "\(reply.body)")
        #expect(reply.json["replaced"] as? Int == 40)
        let written = counted.calls.flatMap(\.transactionKeys)
        let questionItems = written.filter { $0.partition == "BANK#bank-1" && $0.sort?.hasPrefix("Q#") == true }
        // Each question once, and for each moved question at most one more: the tail question of
        // its old category that takes its slot.
        #expect(Set(questionItems).count == 40)
        #expect(questionItems.count <= 42)
        // The category index: the moved questions' old entries deleted and new ones put, nothing else.
        let indexEntries = written.filter { $0.partition == "BANK#bank-1" && $0.sort?.hasPrefix("C#") == true }.compactMap(\.sort)
        #expect(indexEntries.sorted() == ["C#c0#q0", "C#c0#q2", "C#c1#q0", "C#c1#q2"])
        #expect(try await Self.audit(harness) == [])
        let store = try harness.environment().store
        let table = try harness.environment().tables.questions
        for (category, expected) in [("c0", 18), ("c1", 22)] {
            let entries = try await store.queryAll(Query(table, partition: "BANK#bank-1", sortKey: .beginsWith("C#\(category)#")))
            #expect(entries.count == expected)
            #expect(try await Self.members(harness, category: category) == Set(entries.compactMap { $0.string("questionId") }))
        }
    }

    @Test("draws are uniform without replacement: chi-square over 6,000 seeded draws, for single questions, pairs and first places")
    func uniformWithoutReplacement() async throws {
        let harness = try await Harness(backend: .sqlite)
        // Category "ten" is built out of order: half of it arrives by moves from "other", whose
        // swap-removes and the category's appends leave its slots in no particular order.
        try await harness.importBank(questions: Self.questions(0..<16) { $0 < 5 ? "ten" : "other" } + Self.questions(100..<106) { _ in "six" })
        try await harness.importBank(questions: Self.questions([6, 9, 12, 7, 15], text: "v2") { _ in "ten" })
        #expect(try await Self.audit(harness) == [])
        let ten = try await Self.members(harness, category: "ten")
        #expect(ten.count == 10)

        let bank = try Self.bank(harness)
        var rng = SeededRandomGenerator(seed: 20_261_207)
        let draws = 6000
        var included: [String: Int] = [:]
        var first: [String: Int] = [:]
        var pairs: [String: Int] = [:]
        for _ in 0..<draws {
            let three = try await bank.draw(bankId: "bank-1", category: "ten", count: 3, using: &rng)
            #expect(three.count == 3 && Set(three).count == 3 && Set(three).isSubset(of: ten))
            for id in three { included[id, default: 0] += 1 }
            first[three[0], default: 0] += 1
            let two = try await bank.draw(bankId: "bank-1", category: "six", count: 2, using: &rng)
            #expect(two.count == 2 && two[0] != two[1])
            pairs[two.sorted().joined(separator: "+"), default: 0] += 1
        }
        // Critical values of chi-square at p = 0.001: 27.88 (9 degrees of freedom), 36.12 (14). The
        // draws are seeded, so the statistic is the same number on every run.
        #expect(included.count == 10)
        #expect(Self.chiSquare(included.values, expected: Double(draws * 3) / 10) < 27.88, "\(included)")
        #expect(first.count == 10)
        #expect(Self.chiSquare(first.values, expected: Double(draws) / 10) < 27.88, "\(first)")
        #expect(pairs.count == 15)
        #expect(Self.chiSquare(pairs.values, expected: Double(draws) / 15) < 36.12, "\(pairs)")
    }

    static func chiSquare(_ observed: some Collection<Int>, expected: Double) -> Double {
        observed.reduce(0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
    }

    @Test("a bank imported before ordinals existed: sessions start from its index, and its next import gives every question its ordinals",
          arguments: StoreBackend.all)
    func legacyBank(backend: StoreBackend) async throws {
        let harness = try await Self.legacyHarness(backend)
        #expect(try await Self.audit(harness).isEmpty == false)

        let sessionId = try await harness.startSession(count: 5, extra: ["category": "c1"])
        let served = try #require(try await harness.currentQuestion(sessionId)["questionId"] as? String)
        #expect((try await Self.members(harness, category: "c1")).contains(served))
        var rng = SeededRandomGenerator(seed: 5)
        let drawn = try await Self.bank(harness).draw(bankId: "bank-1", category: nil, count: 30, using: &rng)
        #expect(Set(drawn).count == 30)

        let reply = try await harness.importBank(questions: Self.questions([3, 30], text: "v2") { _ in "c0" })
        #expect(reply.json["created"] as? Int == 1)
        #expect(try await Self.audit(harness) == [])
        let counted = FaultInjectingTableStore(wrapping: try harness.environment().store)
        _ = try await Self.bank(harness, store: counted).draw(bankId: "bank-1", category: "c0", count: 5, using: &rng)
        #expect(!counted.calls.contains { $0.operation == .query })
    }

    @Test("a bank imported before ordinals and never since: the first start on it notes it, and maintenance gives it its ordinals",
          arguments: StoreBackend.all)
    func legacyBankMovedByMaintenance(backend: StoreBackend) async throws {
        // A budget no loaded moto outlasts: this test is about what maintenance does, not when it
        // stops (the deadline has a test of its own below).
        let harness = try await Self.legacyHarness(backend) { $0.maintenanceBudgetSeconds = 900 }
        let environment = try harness.environment()
        let maintenance = MaintenanceFunction(environment: environment)
        // Nothing noted yet: maintenance leaves the bank as it is.
        #expect(try await maintenance.run(now: harness.clock.now).banksGivenOrdinals == 0)
        #expect(try await Self.audit(harness).isEmpty == false)

        _ = try await harness.startSession(count: 5)
        #expect(try await Self.bank(harness).banksMissingOrdinals(limit: 10).map(\.bankId) == ["bank-1"])
        let summary = try await maintenance.run(now: harness.clock.now)
        #expect(summary.banksGivenOrdinals == 1)
        #expect(summary.itemsSkipped == 0)
        #expect(try await Self.audit(harness) == [])
        #expect(try await Self.bank(harness).banksMissingOrdinals(limit: 10).isEmpty)
        // Starts read slots now, not the index, and note nothing.
        let counted = FaultInjectingTableStore(wrapping: try harness.environment().store)
        let reply = await harness.send(
            .session, Harness.request(.post, "/sessions", json: ["bankId": "bank-1", "questionCount": 5, "category": "c1"]),
            on: try harness.environment { _ in counted })
        #expect(reply.status == 201, "\(reply.body)")
        #expect(counted.calls.filter { $0.operation == .query }.count == 1, "the learner's pool only: \(counted.calls.map(\.operation))")
        #expect(!counted.calls.contains { $0.operation == .put })
        #expect(try await maintenance.run(now: harness.clock.now).banksGivenOrdinals == 0)
    }

    @Test("ordinals given with a deadline stop after a page and go on from where they stopped")
    func legacyBankInSteps() async throws {
        let harness = try await Harness(backend: .sqlite)
        try await harness.importBank(questions: Self.questions(0..<50) { "c\($0 % 3)" })
        try await Self.stripOrdinals(harness)
        let bank = try Self.bank(harness)
        // Pages of 20: a deadline already past still does one page each call.
        let first = try await bank.assignMissingOrdinals(bankId: "bank-1", until: .now)
        #expect(first != nil)
        #expect(try await Self.audit(harness, allowingUnassigned: true) == [])
        let second = try await bank.assignMissingOrdinals(bankId: "bank-1", from: first, until: .now)
        #expect(second != nil && second != first)
        #expect(try await bank.assignMissingOrdinals(bankId: "bank-1", from: second, until: .now) == nil)
        #expect(try await Self.audit(harness) == [])
        // Done: nothing more is read than the bank's summary.
        let counted = FaultInjectingTableStore(wrapping: try harness.environment().store)
        #expect(try await Self.bank(harness, store: counted).assignMissingOrdinals(bankId: "bank-1") == nil)
        #expect(counted.calls.map(\.operation) == [.get])
    }

    /// A harness on `backend` whose bank-1 (30 questions in categories c0 and c1) is as an import
    /// before ordinals left it.
    static func legacyHarness(_ backend: StoreBackend, configure: (inout QuizSettings) -> Void = { _ in }) async throws -> Harness {
        let harness = try await Harness(backend: backend, configure: configure)
        try await harness.importBank(questions: questions(0..<30) { "c\($0 % 2)" })
        try await stripOrdinals(harness)
        return harness
    }

    /// Turns bank-1 into what an import before ordinals left: no slots, no counters, no ordinals.
    static func stripOrdinals(_ harness: Harness) async throws {
        let environment = try harness.environment()
        let table = environment.tables.questions
        let items = try await environment.store.queryAll(Query(table, partition: "BANK#bank-1"))
        for item in items {
            let key = try table.key(of: item)
            let sort = key.sort ?? ""
            if sort.hasPrefix("N#") || sort.hasPrefix("NC#") || sort.hasPrefix("CN#") {
                _ = try await environment.store.delete(key, from: table)
            } else if sort.hasPrefix("Q#") {
                _ = try await environment.store.update(key, in: table, [.remove("ordinal"), .remove("categoryOrdinal")])
            } else if sort == "META" {
                _ = try await environment.store.update(key, in: table, [.remove("ordinalCount")])
            }
        }
    }
}
