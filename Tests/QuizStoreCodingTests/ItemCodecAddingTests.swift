import QuizStore
import Testing

/// `ItemCodec.adding` changes counters in an item's bytes; what it leaves must be exactly what
/// `UpdateAction.apply` makes of the decoded item, and whatever it cannot do it must hand back.
@Suite("Item codec: adding to counters in the bytes")
struct ItemCodecAddingTests {
    static let key = Key("user#1", "progress")
    static let schema = TableSchema(name: "t", ttlAttribute: "ttl")
    static let stored: Item = [
        "pk": "user#1", "sk": "progress", "answers": 41, "correct": .int(-3), "category#algebra#answers": 7,
        "name": "caf\u{E9}", "tags": .list(["a", .map(["x": 1])]), "ratio": 0.25, "flag": true, "nothing": .null,
        "blob": .binary([0, 255, 7]), "big": .int(Int64.max - 1),
    ]

    static func added(_ deltas: [(name: String, delta: Int64)], to item: Item) throws -> Item? {
        let bytes = ItemCodec.encode(item)
        let result = try bytes.withUnsafeBytes { buffer in
            try Result { () throws(TableError) -> [UInt8]? in try ItemCodec.adding(deltas, to: buffer) }.get()
        }
        return try result.map { try ItemCodec.decode($0) }
    }

    @Test(
        "integers added in the bytes give what UpdateAction.apply gives",
        arguments: [
            [("answers", 1)],
            [("answers", 1), ("correct", 5), ("category#algebra#answers", -7)],
            [("answers", 0), ("new", 3)],
            [("new", -2), ("other#new", 9), ("big", 1)],
        ] as [[(String, Int64)]])
    func sameAsApply(_ deltas: [(String, Int64)]) throws {
        let deltas = deltas.map { (name: $0.0, delta: $0.1) }
        let expected = try UpdateAction.apply(
            deltas.map { .add($0.name, Number($0.delta)) }, to: Self.stored, key: Self.key, schema: Self.schema)
        #expect(try Self.added(deltas, to: Self.stored) == expected)
    }

    @Test("a non-integer attribute or an overflowing sum is left to the general way")
    func refusals() throws {
        #expect(try Self.added([("ratio", 1)], to: Self.stored) == nil)
        #expect(try Self.added([("name", 1)], to: Self.stored) == nil)
        #expect(try Self.added([("flag", 1)], to: Self.stored) == nil)
        #expect(try Self.added([("nothing", 1)], to: Self.stored) == nil)
        #expect(try Self.added([("answers", 1), ("big", 2)], to: Self.stored) == nil)
        #expect(try Self.added([("correct", Int64.min)], to: Item(["pk": "p", "sk": "s", "correct": .int(-1)])) == nil)
    }

    @Test("damaged bytes are reported, not read past")
    func damaged() throws {
        let bytes = ItemCodec.encode(Self.stored)
        for cut in [0, 1, bytes.count / 2, bytes.count - 1] {
            let prefix = Array(bytes.prefix(cut))
            #expect(throws: TableError.self) {
                try prefix.withUnsafeBytes { buffer in
                    try Result { () throws(TableError) -> [UInt8]? in try ItemCodec.adding([("answers", 1)], to: buffer) }.get()
                }
            }
        }
    }
}
