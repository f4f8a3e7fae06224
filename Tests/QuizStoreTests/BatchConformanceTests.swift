import Foundation
import QuizStore
import Testing

/// Batch reads and writes of any size, chunked by the backend.
@Suite("Table batches")
struct BatchConformanceTests {
    @Test("batch write and batch get past the request limits", arguments: Backend.all)
    func largeBatches(backend: Backend) async throws {
        let store = try await backend.open().store
        let items = (0..<260).map { item("bank#1", String(format: "q%04d", $0), ["i": .int($0)]) }
        try await store.batchWrite(items.map { .put($0) }, in: Tables.main)
        let keys = (0..<300).map { Key("bank#1", String(format: "q%04d", $0)) }
        let found = try await store.batchGet(keys, from: Tables.main)
        #expect(Set(found) == Set(items))
        #expect(found.count == 260)

        try await store.batchWrite((0..<130).map { .delete(Key("bank#1", String(format: "q%04d", $0 * 2))) }, in: Tables.main)
        let left = try await store.queryAll(Query(Tables.main, partition: "bank#1"))
        #expect(left.map { $0.int("i")! } == Array(stride(from: 1, to: 260, by: 2)).map(Int64.init))
    }

    @Test("batch get ignores repeated keys", arguments: Backend.all)
    func repeatedKeys(backend: Backend) async throws {
        let store = try await backend.open().store
        try await store.put(item("p", "s"), into: Tables.main)
        #expect(try await store.batchGet([Key("p", "s"), Key("p", "s")], from: Tables.main) == [item("p", "s")])
        #expect(try await store.batchGet([], from: Tables.main) == [])
    }

    @Test("a bad batch write writes nothing", arguments: Backend.all)
    func invalidBatch(backend: Backend) async throws {
        let store = try await backend.open().store
        let twice = await tableError {
            try await store.batchWrite([.put(item("p", "a")), .put(item("p", "b")), .delete(Key("p", "a"))], in: Tables.main)
        }
        #expect(twice?.code == .validation)
        let oversized = item("p", "c", ["blob": .binary([UInt8](repeating: 1, count: Item.maximumSize))])
        let tooLarge = await tableError { try await store.batchWrite([.put(item("p", "a")), .put(oversized)], in: Tables.main) }
        #expect(tooLarge?.code == .itemTooLarge)
        #expect(try await store.queryAll(Query(Tables.main, partition: "p")) == [])
    }
}

/// Read batches: several gets and queries answered in request order.
@Suite("Table read batches")
struct ReadBatchConformanceTests {
    @Test("a read batch answers each read in request order, as the single reads would", arguments: Backend.all)
    func readBatch(backend: Backend) async throws {
        let store = try await backend.open().store
        for index in 0..<5 { try await store.put(item("p", "s\(index)", ["i": .int(Int64(index))]), into: Tables.main) }
        let results = try await store.read([
            .get(Key("p", "s3"), from: Tables.main),
            .query(Query(Tables.main, partition: "p", sortKey: .beginsWith("s"), limit: 2)),
            .get(Key("p", "missing"), from: Tables.main),
            .query(Query(Tables.main, partition: "p", ascending: false, limit: 1)),
        ])
        #expect(results.count == 4)
        #expect(results[0] == .item(item("p", "s3", ["i": .int(3)])))
        #expect(results[1].page.items.map { $0.int("i")! } == [0, 1])
        #expect(results[1].page.nextCursor != nil)
        #expect(results[2] == .item(nil))
        #expect(results[3].page.items.map { $0.int("i")! } == [4])
        #expect(try await store.read([]) == [])
    }

    @Test("a read batch with one bad request fails as a whole with a validation error", arguments: Backend.all)
    func invalidReadBatch(backend: Backend) async throws {
        let store = try await backend.open().store
        let error = await tableError {
            _ = try await store.read([.get(Key("p", "s"), from: Tables.main), .query(Query(Tables.main, partition: ""))])
        }
        #expect(error?.code == .validation)
    }
}
