import Foundation
import QuizData
import QuizEngine
import QuizFunctions
import QuizHTTP
import QuizStore
import QuizTestSupport
import Testing

/// A re-import that moves questions between categories (every kind of slot change: swap-removes,
/// appends, relocated questions outside the upload, new bank slots), with each fault at each store
/// call: after the faulted request, and again after the client's retry, the bank's slots have no
/// gap and no duplicate, and a draw of every category returns exactly its questions.
@Suite("Ordinal slots under store faults")
struct DrawFaultTests {
    /// Twelve questions, four in each of three categories.
    static var base: [[String: Any]] { DrawTests.questions(0..<12) { "c\($0 % 3)" } }
    /// Six of them move on a category, one loses its category, three are new.
    static var upload: [[String: Any]] {
        DrawTests.questions(0..<6, text: "v2") { "c\(($0 + 1) % 3)" }
        + DrawTests.questions([6], text: "v2") { _ in nil } + DrawTests.questions(12..<15) { _ in "c0" }
    }

    static func drive(
        stack: FaultInjectionTests.Stack, fault: FaultInjectingTableStore.Fault?, call: Int, backend: StoreBackend, legacy: Bool = false
    ) async throws -> [FaultInjectingTableStore.Call] {
        let harness = try await Harness(backend: backend)
        try await harness.importBank(questions: Self.base)
        // A bank as imports before ordinals left it: the faulted import first assigns them.
        if legacy { try await DrawTests.stripOrdinals(harness) }
        let request = Harness.request(
            .post, "/banks/bank-1/questions", user: "author-1", groups: ["authors"], json: Self.upload, headers: ["idempotency-key": "move-1"])
        let faults = FaultInjectingTableStore(
            wrapping: try harness.environment().store, schedule: fault.map { .call(call, $0) } ?? .none, delay: .milliseconds(20))
        let environment = try harness.environment { _ in stack.wrap(faults) }
        let label = "\(legacy ? "legacy bank, " : "")\(stack), \(fault.map { "\($0) at call \(call)" } ?? "no fault")"
        let first = await harness.send(.quiz, request, on: environment)
        #expect(isAcceptableUnderFault(first), "\(label): \(first.status) \(first.body)")
        #expect(try await DrawTests.audit(harness, allowingUnassigned: legacy) == [], "\(label): after the faulted request")

        var applied = (200..<300).contains(first.status) ? first : nil
        for _ in 0..<4 where applied == nil {
            let retry = try await harness.send(.quiz, request)
            if retry.errorCode == "REQUEST_IN_PROGRESS" {
                harness.clock.advance(seconds: 31)
            } else {
                #expect(retry.status == 201, "\(label): retry answered \(retry.status) \(retry.body)")
                applied = retry
            }
        }
        let done = try #require(applied, "\(label): never applied")
        #expect(done.json["created"] as? Int == 3 && done.json["replaced"] as? Int == 7, "\(label): \(done.body)")
        #expect(try await DrawTests.audit(harness) == [], "\(label): after the retry")
        var rng = SeededRandomGenerator(seed: 9)
        let bank = try DrawTests.bank(harness)
        for (category, expected) in [("c0", 6), ("c1", 4), ("c2", 4)] {
            let drawn = try await bank.draw(bankId: "bank-1", category: category, count: 20, using: &rng)
            #expect(Set(drawn) == (try await DrawTests.members(harness, category: category)), "\(label): \(category)")
            #expect(drawn.count == expected, "\(label): \(category) drew \(drawn)")
        }
        return faults.calls
    }

    @Test("SQLite: every fault at every store call of a re-import that moves questions, with and without retries, also into a bank without ordinals",
          arguments: FaultInjectionTests.Stack.allCases, [false, true])
    func everyCall(stack: FaultInjectionTests.Stack, legacy: Bool) async throws {
        let clean = try await Self.drive(stack: stack, fault: nil, call: 0, backend: .sqlite, legacy: legacy)
        // The import's one transaction, after the migration's for a bank without ordinals.
        #expect(clean.filter { $0.operation == .transactWrite }.count == (legacy ? 2 : 1))
        for call in clean.indices {
            for fault in FaultInjectingTableStore.Fault.allCases {
                _ = try await Self.drive(stack: stack, fault: fault, call: call, backend: .sqlite, legacy: legacy)
            }
        }
    }

    @Test("DynamoDB (moto): every fault at every write of a re-import that moves questions, with retries, also into a bank without ordinals",
          arguments: [false, true])
    func everyWrite(legacy: Bool) async throws {
        let clean = try await Self.drive(stack: .resilient, fault: nil, call: 0, backend: .dynamoDB, legacy: legacy)
        let writes = clean.filter { $0.operation.writes }.map(\.number)
        #expect(!writes.isEmpty)
        for call in writes {
            for fault in FaultInjectingTableStore.Fault.allCases {
                _ = try await Self.drive(stack: .resilient, fault: fault, call: call, backend: .dynamoDB, legacy: legacy)
            }
        }
    }
}
