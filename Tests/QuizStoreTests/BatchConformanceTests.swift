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
