import QuizStore
import Testing

/// Condition semantics as DynamoDB evaluates them, checked through real conditional writes.
@Suite("Table conditions")
struct ConditionConformanceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let condition: Condition
        let holds: Bool
        var testDescription: String { "\(condition) → \(holds)" }
    }

    /// The stored item is {pk, sk, version: 5, name: "alice", tags: ["a"]}.
    static let cases: [Case] = [
        Case(condition: .itemExists, holds: true),
        Case(condition: .itemNotExists, holds: false),
        Case(condition: .attributeExists("name"), holds: true),
        Case(condition: .attributeExists("missing"), holds: false),
        Case(condition: .attributeNotExists("missing"), holds: true),
        Case(condition: .attributeNotExists("name"), holds: false),
        Case(condition: .compare("version", .equal, 5), holds: true),
        Case(condition: .compare("version", .equal, 5.0), holds: true),
        Case(condition: .compare("version", .equal, "5"), holds: false),
        Case(condition: .compare("version", .notEqual, 4), holds: true),
        Case(condition: .compare("version", .notEqual, 5), holds: false),
        Case(condition: .compare("missing", .notEqual, 5), holds: true),
        Case(condition: .compare("missing", .equal, 5), holds: false),
        Case(condition: .compare("version", .lessThan, 6), holds: true),
        Case(condition: .compare("version", .lessThan, 5), holds: false),
        Case(condition: .compare("version", .lessThanOrEqual, 5), holds: true),
        Case(condition: .compare("version", .greaterThan, 4.5), holds: true),
        Case(condition: .compare("version", .greaterThanOrEqual, 6), holds: false),
        Case(condition: .compare("name", .lessThan, "bob"), holds: true),
        Case(condition: .compare("name", .greaterThan, "Alice"), holds: true),
        Case(condition: .compare("name", .lessThan, 10), holds: false),
        Case(condition: .compare("missing", .lessThan, 10), holds: false),
        Case(condition: .compare("tags", .equal, ["a"]), holds: true),
        Case(condition: .beginsWith("name", "ali"), holds: true),
        Case(condition: .beginsWith("name", "bob"), holds: false),
        Case(condition: .beginsWith("version", "5"), holds: false),
        Case(condition: .version(5) && .attributeExists("name"), holds: true),
        Case(condition: .version(4) && .attributeExists("name"), holds: false),
        Case(condition: .version(4) || .attributeExists("name"), holds: true),
        Case(condition: .version(4) || .attributeExists("missing"), holds: false),
        Case(condition: !.version(4), holds: true),
        Case(condition: !(.version(5) || .itemNotExists), holds: false),
    ]

    @Test("a condition decides whether the write happens", arguments: Backend.all, cases)
    func conditionalWrite(backend: Backend, testCase: Case) async throws {
        let store = try await backend.open().store
        let original = item("p", "s", ["version": 5, "name": "alice", "tags": ["a"]])
        try await store.put(original, into: Tables.main)
        let error = await tableError {
            try await store.update(Key("p", "s"), in: Tables.main, [.set("written", true)], if: testCase.condition)
        }
        let stored = try await store.get(Key("p", "s"), from: Tables.main)
        if testCase.holds {
            #expect(error == nil)
            #expect(stored?.bool("written") == true)
        } else {
            #expect(error?.code == .conditionFailed)
            #expect(error?.currentItem == original)
            #expect(stored == original)
        }
    }
}
