import QuizStore
import Testing

/// Single-item reads and writes, with and without conditions, on every backend.
@Suite("Table items")
struct ItemConformanceTests {
    @Test("every attribute type round-trips", arguments: Backend.all)
    func roundTrip(backend: Backend) async throws {
        let instance = try await backend.open()
        let stored = item("user#1", "profile", [
            "name": "Zoë ✓", "count": 42, "ratio": 0.25, "big": .int(Int64.max), "negative": -7,
            "raw": .binary([0, 1, 255]), "empty": .binary([]), "flag": true, "nothing": .null,
            "list": [1, "two", [3.5]], "map": ["nested": ["deep": false], "n": 1], "blank": "",
        ])
        try await instance.store.put(stored, into: Tables.main)
        #expect(try await instance.store.get(Key("user#1", "profile"), from: Tables.main) == stored)
        #expect(try await instance.reopen().get(Key("user#1", "profile"), from: Tables.main) == stored)
        #expect(try await instance.store.get(Key("user#1", "missing"), from: Tables.main) == nil)
        #expect(try await instance.store.get(Key("user#1", "profile"), from: Tables.other) == nil)
    }

    @Test("put replaces the whole item", arguments: Backend.all)
    func putReplaces(backend: Backend) async throws {
        let store = try await backend.open().store
        try await store.put(item("p", "s", ["a": 1, "b": 2]), into: Tables.main)
        try await store.put(item("p", "s", ["c": 3]), into: Tables.main)
        #expect(try await store.get(Key("p", "s"), from: Tables.main) == item("p", "s", ["c": 3]))
    }

    @Test("a table without sort key", arguments: Backend.all)
    func partitionOnly(backend: Backend) async throws {
        let store = try await backend.open().store
        try await store.put(["id": "solo", "v": 1], into: Tables.simple)
        #expect(try await store.get(Key("solo"), from: Tables.simple) == ["id": "solo", "v": 1])
        #expect(await tableError { _ = try await store.get(Key("solo", "x"), from: Tables.simple) }?.code == .validation)
    }

    @Test("put if absent: the second one fails and carries the current item", arguments: Backend.all)
    func putIfAbsent(backend: Backend) async throws {
        let store = try await backend.open().store
        let first = item("p", "s", ["owner": "first"])
        try await store.put(first, into: Tables.main, if: .itemNotExists)
        let error = await tableError { try await store.put(item("p", "s", ["owner": "second"]), into: Tables.main, if: .itemNotExists) }
        #expect(error?.code == .conditionFailed)
        #expect(error?.currentItem == first)
        #expect(try await store.get(Key("p", "s"), from: Tables.main) == first)
    }

    @Test("a failed condition on an absent item carries no item", arguments: Backend.all)
    func conditionOnAbsent(backend: Backend) async throws {
        let store = try await backend.open().store
        let error = await tableError { try await store.put(item("p", "s"), into: Tables.main, if: .itemExists) }
        #expect(error?.code == .conditionFailed)
        #expect(error?.currentItem == nil)
        #expect(try await store.get(Key("p", "s"), from: Tables.main) == nil)
    }

    @Test("update creates, sets, removes and adds atomically", arguments: Backend.all)
    func updateActions(backend: Backend) async throws {
        let store = try await backend.open().store
        let key = Key("p", "s")
        let created = try await store.update(key, in: Tables.main, [.set("name", "n"), .add("count", 2), .setIfNotExists("first", 1)])
        #expect(created == item("p", "s", ["name": "n", "count": 2, "first": 1]))
        let updated = try await store.update(
            key, in: Tables.main, [.remove("name"), .add("count", -5), .setIfNotExists("first", 9), .add("ratio", 0.5)])
        #expect(updated == item("p", "s", ["count": -3, "first": 1, "ratio": 0.5]))
        #expect(try await store.get(key, from: Tables.main) == updated)
    }

    @Test("versioned update: the stale writer fails and changes nothing", arguments: Backend.all)
    func optimisticLocking(backend: Backend) async throws {
        let store = try await backend.open().store
        let key = Key("session#1", "state")
        try await store.put(item("session#1", "state", ["version": 1, "answered": 0]), into: Tables.main)
        try await store.update(key, in: Tables.main, [.set("version", 2), .add("answered", 1)], if: .version(1))
        let error = await tableError {
            try await store.update(key, in: Tables.main, [.set("version", 2), .add("answered", 1)], if: .version(1))
        }
        #expect(error?.code == .conditionFailed)
        #expect(error?.currentItem == item("session#1", "state", ["version": 2, "answered": 1]))
        #expect(try await store.get(key, from: Tables.main) == item("session#1", "state", ["version": 2, "answered": 1]))
    }

    @Test("updates that cannot apply are refused", arguments: Backend.all)
    func invalidUpdates(backend: Backend) async throws {
        let store = try await backend.open().store
        let key = Key("p", "s")
        try await store.put(item("p", "s", ["name": "text"]), into: Tables.main)
        let refused: [[UpdateAction]] = [
            [.add("name", 1)], [.set("pk", "other")], [.remove("sk")], [.set("a", 1), .remove("a")], [.set("", 1)],
        ]
        for actions in refused {
            #expect(await tableError { try await store.update(key, in: Tables.main, actions) }?.code == .validation)
        }
        try await store.update(key, in: Tables.main, [.add("n", .init(Int64.max))])
        #expect(await tableError { try await store.update(key, in: Tables.main, [.add("n", 1)]) }?.code == .validation)
        #expect(try await store.get(key, from: Tables.main) == item("p", "s", ["name": "text", "n": .int(Int64.max)]))
    }

    @Test("delete returns what it deleted, and honours its condition", arguments: Backend.all)
    func deletes(backend: Backend) async throws {
        let store = try await backend.open().store
        let stored = item("p", "s", ["version": 3])
        try await store.put(stored, into: Tables.main)
        let error = await tableError { try await store.delete(Key("p", "s"), from: Tables.main, if: .version(2)) }
        #expect(error?.code == .conditionFailed)
        #expect(error?.currentItem == stored)
        #expect(try await store.delete(Key("p", "s"), from: Tables.main, if: .version(3)) == stored)
        #expect(try await store.get(Key("p", "s"), from: Tables.main) == nil)
        #expect(try await store.delete(Key("p", "s"), from: Tables.main) == nil)
    }

    @Test("items over 400 KB are refused, items at the limit are kept", arguments: Backend.all)
    func sizeLimit(backend: Backend) async throws {
        let store = try await backend.open().store
        let overhead = item("p", "big", ["blob": .binary([])]).size
        let fits = item("p", "big", ["blob": .binary([UInt8](repeating: 7, count: Item.maximumSize - overhead))])
        #expect(fits.size == Item.maximumSize)
        try await store.put(fits, into: Tables.main)
        #expect(try await store.get(Key("p", "big"), from: Tables.main) == fits)
        let over = item("p", "huge", ["blob": .binary([UInt8](repeating: 7, count: Item.maximumSize))])
        #expect(await tableError { try await store.put(over, into: Tables.main) }?.code == .itemTooLarge)
        #expect(try await store.get(Key("p", "huge"), from: Tables.main) == nil)
        let growth = await tableError { try await store.update(Key("p", "big"), in: Tables.main, [.set("more", "x")]) }
        #expect(growth?.code == .itemTooLarge)
        #expect(try await store.get(Key("p", "big"), from: Tables.main) == fits)
    }

    @Test("keys must fit the table's key schema", arguments: Backend.all)
    func keyValidation(backend: Backend) async throws {
        let store = try await backend.open().store
        let codes = [
            await tableError { try await store.put(["pk": "p"], into: Tables.main) }?.code,
            await tableError { try await store.put(["pk": "", "sk": "s"], into: Tables.main) }?.code,
            await tableError { try await store.put(["pk": 1, "sk": "s"], into: Tables.main) }?.code,
            await tableError { _ = try await store.get(Key("p"), from: Tables.main) }?.code,
            await tableError { try await store.update(Key("", "s"), in: Tables.main, [.set("a", 1)]) }?.code,
        ]
        #expect(codes == [TableError.Code?](repeating: .validation, count: 5))
    }
}
