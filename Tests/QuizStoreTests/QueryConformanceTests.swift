import QuizStore
import Testing

/// Queries over one partition: sort-key conditions, order, limits and cursors.
@Suite("Table queries")
struct QueryConformanceTests {
    /// Sort keys as DynamoDB orders them, by UTF-8 bytes: digits, upper case, lower case, then non-ASCII.
    static let sortKeys = ["1", "A", "Z", "a", "a#1", "a#2", "a#10", "ab", "b", "z", "ä", "é", "😀"]
    static let byteOrder = sortKeys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }

    func seeded(_ backend: Backend) async throws -> any TableStore {
        let store = try await backend.open().store
        try await store.batchWrite(Self.sortKeys.shuffled().map { .put(item("quiz", $0, ["n": .string($0)])) }, in: Tables.main)
        // Neighbouring partitions that must never show up.
        try await store.put(item("quiz2", "a", ["n": "intruder"]), into: Tables.main)
        try await store.put(item("qui", "a", ["n": "intruder"]), into: Tables.main)
        try await store.put(item("quiz", "a", ["n": "other table"]), into: Tables.other)
        return store
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let condition: SortKeyCondition?
        let expected: [String]
        var testDescription: String { "\(String(describing: condition))" }
    }

    static let cases: [Case] = [
        Case(condition: nil, expected: byteOrder),
        Case(condition: .equals("a#1"), expected: ["a#1"]),
        Case(condition: .equals("nope"), expected: []),
        Case(condition: .beginsWith("a#"), expected: ["a#1", "a#10", "a#2"]),
        Case(condition: .beginsWith("a"), expected: ["a", "a#1", "a#10", "a#2", "ab"]),
        Case(condition: .beginsWith(""), expected: byteOrder),
        Case(condition: .between("a#1", "a#2"), expected: ["a#1", "a#10", "a#2"]),
        Case(condition: .between("b", "b"), expected: ["b"]),
        Case(condition: .lessThan("a"), expected: ["1", "A", "Z"]),
        Case(condition: .lessThanOrEqual("a"), expected: ["1", "A", "Z", "a"]),
        Case(condition: .greaterThan("z"), expected: ["ä", "é", "😀"]),
        Case(condition: .greaterThanOrEqual("z"), expected: ["z", "ä", "é", "😀"]),
    ]

    @Test("sort-key conditions select and order by bytes", arguments: Backend.all, cases)
    func sortKeyConditions(backend: Backend, testCase: Case) async throws {
        let store = try await seeded(backend)
        let ascending = try await store.queryAll(Query(Tables.main, partition: "quiz", sortKey: testCase.condition))
        #expect(ascending.map { $0.string("sk")! } == testCase.expected)
        let descending = try await store.queryAll(
            Query(Tables.main, partition: "quiz", sortKey: testCase.condition, ascending: false))
        #expect(descending.map { $0.string("sk")! } == testCase.expected.reversed())
    }

    @Test("cursors page through every item exactly once, in order", arguments: Backend.all, [1, 2, 5, 13, 50])
    func paging(backend: Backend, limit: Int) async throws {
        let store = try await seeded(backend)
        for ascending in [true, false] {
            var query = Query(Tables.main, partition: "quiz", ascending: ascending, limit: limit)
            var seen: [String] = []
            var pages = 0
            repeat {
                let page = try await store.query(query)
                #expect(page.items.count <= limit)
                seen += page.items.map { $0.string("sk")! }
                query.cursor = page.nextCursor
                pages += 1
            } while query.cursor != nil && pages < 100
            #expect(seen == (ascending ? Self.byteOrder : Self.byteOrder.reversed()))
        }
    }

    @Test("a cursor resumes within a sort-key condition", arguments: Backend.all)
    func cursorWithCondition(backend: Backend) async throws {
        let store = try await seeded(backend)
        let first = try await store.query(Query(Tables.main, partition: "quiz", sortKey: .beginsWith("a"), limit: 2))
        #expect(first.items.map { $0.string("sk")! } == ["a", "a#1"])
        let rest = try await store.query(
            Query(Tables.main, partition: "quiz", sortKey: .beginsWith("a"), limit: 10, cursor: first.nextCursor))
        #expect(rest.items.map { $0.string("sk")! } == ["a#10", "a#2", "ab"])
    }

    @Test("foreign and damaged cursors are refused", arguments: Backend.all)
    func badCursors(backend: Backend) async throws {
        let store = try await seeded(backend)
        let page = try await store.query(Query(Tables.main, partition: "quiz", limit: 1))
        let cursor = try #require(page.nextCursor)
        let foreign = await tableError { _ = try await store.query(Query(Tables.main, partition: "quiz2", cursor: cursor)) }
        #expect(foreign?.code == .validation)
        for token in ["", "!!!", "AAAA", String(cursor.token.dropLast(2)), cursor.token + "A"] {
            let error = await tableError { _ = try await store.query(Query(Tables.main, partition: "quiz", cursor: Cursor(token: token))) }
            #expect(error?.code == .validation, "token \(token)")
        }
    }

    @Test("bad queries are refused", arguments: Backend.all)
    func badQueries(backend: Backend) async throws {
        let store = try await backend.open().store
        let codes = [
            await tableError { _ = try await store.query(Query(Tables.main, partition: "")) }?.code,
            await tableError { _ = try await store.query(Query(Tables.main, partition: "p", limit: 0)) }?.code,
            await tableError { _ = try await store.query(Query(Tables.simple, partition: "p", sortKey: .equals("x"))) }?.code,
            await tableError { _ = try await store.query(Query(Tables.main, partition: "p", sortKey: .between("b", "a"))) }?.code,
        ]
        #expect(codes == [TableError.Code?](repeating: .validation, count: 4))
    }
}
