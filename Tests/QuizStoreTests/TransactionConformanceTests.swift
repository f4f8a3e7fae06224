import QuizStore
import Testing

/// Transactions: all or nothing, with a reason per write when cancelled.
@Suite("Table transactions")
struct TransactionConformanceTests {
    @Test("a transaction writes across tables at once", arguments: Backend.all)
    func commits(backend: Backend) async throws {
        let store = try await backend.open().store
        try await store.put(item("session#1", "state", ["version": 1]), into: Tables.main)
        try await store.put(item("user#1", "old"), into: Tables.main)
        try await store.put(item("bank#1", "meta", ["open": true]), into: Tables.main)
        try await store.transactWrite([
            .update(Key("session#1", "state"), in: Tables.main, [.set("version", 2)], if: .version(1)),
            .put(item("idem#k", "record", ["status": "COMPLETED"]), into: Tables.other, if: .itemNotExists),
            .update(Key("user#1", "progress"), in: Tables.main, [.add("answered", 1)]),
            .delete(Key("user#1", "old"), from: Tables.main, if: .itemExists),
            .conditionCheck(Key("bank#1", "meta"), in: Tables.main, .equals("open", true)),
        ])
        #expect(try await store.get(Key("session#1", "state"), from: Tables.main) == item("session#1", "state", ["version": 2]))
        #expect(try await store.get(Key("idem#k", "record"), from: Tables.other)?.string("status") == "COMPLETED")
        #expect(try await store.get(Key("user#1", "progress"), from: Tables.main)?.int("answered") == 1)
        #expect(try await store.get(Key("user#1", "old"), from: Tables.main) == nil)
    }

    @Test("one failed condition cancels every write and says which", arguments: Backend.all)
    func cancels(backend: Backend) async throws {
        let store = try await backend.open().store
        let session = item("session#1", "state", ["version": 2])
        try await store.put(session, into: Tables.main)
        let error = await tableError {
            try await store.transactWrite([
                .update(Key("user#1", "progress"), in: Tables.main, [.add("answered", 1)]),
                .update(Key("session#1", "state"), in: Tables.main, [.set("version", 2)], if: .version(1)),
                .put(item("idem#k", "record"), into: Tables.other, if: .itemNotExists),
                .conditionCheck(Key("missing", "x"), in: Tables.main, .itemExists),
            ])
        }
        #expect(error?.code == .transactionCanceled)
        #expect(error?.cancellationReasons.map(\.code) == [.none, .conditionFailed, .none, .conditionFailed])
        #expect(error?.cancellationReasons[1].item == session)
        #expect(error?.cancellationReasons[3].item == nil)
        #expect(error?.isRetryable == false)
        #expect(try await store.get(Key("user#1", "progress"), from: Tables.main) == nil)
        #expect(try await store.get(Key("idem#k", "record"), from: Tables.other) == nil)
        #expect(try await store.get(Key("session#1", "state"), from: Tables.main) == session)
    }

    @Test("an update that would outgrow the size limit cancels the transaction", arguments: Backend.all)
    func oversizedUpdate(backend: Backend) async throws {
        let store = try await backend.open().store
        let big = String(repeating: "x", count: Item.maximumSize - 100)
        try await store.put(item("p", "big", ["text": .string(big)]), into: Tables.main)
        let error = await tableError {
            try await store.transactWrite([
                .put(item("p", "small"), into: Tables.main),
                .update(Key("p", "big"), in: Tables.main, [.set("more", .string(String(repeating: "y", count: 200)))]),
            ])
        }
        #expect(error?.code == .transactionCanceled)
        #expect(error?.cancellationReasons.map(\.code) == [.none, .itemTooLarge])
        #expect(try await store.get(Key("p", "small"), from: Tables.main) == nil)
    }

    @Test("malformed transactions are refused before anything is written", arguments: Backend.all)
    func validation(backend: Backend) async throws {
        let store = try await backend.open().store
        let tooMany = (0...TransactionWrite.maximumCount).map { TransactionWrite.put(item("p", "s\($0)"), into: Tables.main) }
        let codes = [
            await tableError { try await store.transactWrite([]) }?.code,
            await tableError { try await store.transactWrite(tooMany) }?.code,
            await tableError {
                try await store.transactWrite([.put(item("p", "a"), into: Tables.main), .delete(Key("p", "a"), from: Tables.main)])
            }?.code,
            await tableError { try await store.transactWrite([.put(["pk": "p"], into: Tables.main)]) }?.code,
        ]
        #expect(codes == [TableError.Code?](repeating: .validation, count: 4))
        try await store.transactWrite(Array(tooMany.dropLast()))
        #expect(try await store.queryAll(Query(Tables.main, partition: "p")).count == TransactionWrite.maximumCount)
    }

    @Test("the same key in two tables is two items", arguments: Backend.all)
    func sameKeyTwoTables(backend: Backend) async throws {
        let store = try await backend.open().store
        try await store.transactWrite([
            .put(item("p", "s", ["t": "main"]), into: Tables.main),
            .put(item("p", "s", ["t": "other"]), into: Tables.other),
        ])
        #expect(try await store.get(Key("p", "s"), from: Tables.main)?.string("t") == "main")
        #expect(try await store.get(Key("p", "s"), from: Tables.other)?.string("t") == "other")
    }
}
