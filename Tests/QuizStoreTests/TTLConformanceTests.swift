import QuizStore
import QuizTestSupport
import Testing

/// Time to live: expired items vanish from reads at once and from storage at the sweep.
@Suite("Table TTL")
struct TTLConformanceTests {
    @Test("expired items are invisible to get, query and batch get", arguments: Backend.all)
    func invisible(backend: Backend) async throws {
        let instance = try await backend.open()
        let store = instance.store
        let now = instance.time.seconds
        try await store.put(item("u", "past", ["expiresAt": .int(now - 1)]), into: Tables.main)
        try await store.put(item("u", "now", ["expiresAt": .int(now)]), into: Tables.main)
        try await store.put(item("u", "future", ["expiresAt": .int(now + 60)]), into: Tables.main)
        try await store.put(item("u", "forever"), into: Tables.main)
        try await store.put(item("u", "text", ["expiresAt": "not a number"]), into: Tables.main)

        #expect(try await store.get(Key("u", "past"), from: Tables.main) == nil)
        #expect(try await store.get(Key("u", "now"), from: Tables.main) != nil)
        let visible = try await store.queryAll(Query(Tables.main, partition: "u")).map { $0.string("sk")! }
        #expect(visible == ["forever", "future", "now", "text"])
        let batch = try await store.batchGet(["past", "now", "future"].map { Key("u", $0) }, from: Tables.main)
        #expect(Set(batch.map { $0.string("sk")! }) == ["now", "future"])

        instance.time.set(seconds: now + 61)
        #expect(try await store.get(Key("u", "future"), from: Tables.main) == nil)
        #expect(try await store.queryAll(Query(Tables.main, partition: "u")).map { $0.string("sk")! } == ["forever", "text"])
    }

    @Test("conditions still see an expired item until it is swept", arguments: Backend.all)
    func conditionsSeeExpired(backend: Backend) async throws {
        let instance = try await backend.open()
        let store = instance.store
        let now = instance.time.seconds
        let expired = item("idem", "k", ["expiresAt": .int(now - 10), "status": "COMPLETED"])
        try await store.put(expired, into: Tables.main)
        let error = await tableError { try await store.put(item("idem", "k"), into: Tables.main, if: .itemNotExists) }
        #expect(error?.code == .conditionFailed)
        #expect(error?.currentItem == expired)
        let fresh = item("idem", "k", ["expiresAt": .int(now + 100), "status": "IN_PROGRESS"])
        try await store.put(fresh, into: Tables.main, if: .absentOrExpired(ttlAttribute: "expiresAt", now: now))
        #expect(try await store.get(Key("idem", "k"), from: Tables.main) == fresh)
    }

    @Test("the sweep removes expired items only, up to its limit", arguments: Backend.all)
    func sweep(backend: Backend) async throws {
        let instance = try await backend.open()
        let store = instance.store
        let now = instance.time.seconds
        for index in 0..<5 { try await store.put(item("s", "old\(index)", ["expiresAt": .int(now - 100 + Int64(index))]), into: Tables.main) }
        try await store.put(item("s", "live", ["expiresAt": .int(now + 100)]), into: Tables.main)
        try await store.put(item("s", "old", ["expiresAt": .int(now - 100)]), into: Tables.other)
        #expect(try await store.removeExpired(from: Tables.main, now: now, limit: 3) == 3)
        #expect(try await store.removeExpired(from: Tables.main, now: now, limit: 100) == 2)
        #expect(try await store.removeExpired(from: Tables.main, now: now, limit: 100) == 0)
        // Swept items are gone for conditions too.
        try await store.put(item("s", "old0"), into: Tables.main, if: .itemNotExists)
        #expect(try await store.get(Key("s", "live"), from: Tables.main) != nil)
        #expect(try await store.removeExpired(from: Tables.other, now: now, limit: 100) == 1)
    }
}
