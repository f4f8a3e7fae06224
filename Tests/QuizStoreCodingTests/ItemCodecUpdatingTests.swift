import QuizStore
import Testing

/// `ItemCodec.updating` changes counters and scalars in an item's bytes; what it leaves must be
/// exactly what `UpdateAction.apply` makes of the decoded item, and whatever it cannot do it must
/// hand back.
@Suite("Item codec: updating counters and scalars in the bytes")
struct ItemCodecUpdatingTests {
    static let key = Key("user#1", "progress")
    static let schema = TableSchema(name: "t", ttlAttribute: "ttl")
    static let stored: Item = [
        "pk": "user#1", "sk": "progress", "answers": 41, "correct": .int(-3), "category#algebra#answers": 7,
        "name": "caf\u{E9}", "tags": .list(["a", .map(["x": 1])]), "ratio": 0.25, "flag": true, "nothing": .null,
        "blob": .binary([0, 255, 7]), "big": .int(Int64.max - 1),
    ]

    static func updated(_ actions: [UpdateAction], to item: Item) throws -> Item? {
        let changes: [(name: String, change: ItemCodec.InPlaceChange)] = actions.map { action in
            switch action {
            case .add(let name, let delta): (name, .add(delta))
            case .set(let name, let value): (name, .set(value))
            default: fatalError("not an in-place change: \(action)")
            }
        }
        let bytes = ItemCodec.encode(item)
        let result = try bytes.withUnsafeBytes { buffer in
            try Result { () throws(TableError) -> [UInt8]? in try ItemCodec.updating(changes, to: buffer) }.get()
        }
        return try result.map { try ItemCodec.decode($0) }
    }

    @Test(
        "additions and sets made in the bytes give what UpdateAction.apply gives",
        arguments: [
            [.add("answers", 1)],
            [.add("answers", 1), .add("correct", 5), .add("category#algebra#answers", -7)],
            [.add("answers", 0), .add("new", 3)],
            [.add("new", -2), .add("other#new", 9), .add("big", 1)],
            // Fractions: a double plus a double, an integer plus a fraction, a sum that comes out whole.
            [.add("ratio", 0.5), .add("answers", 0.25), .add("fresh", 0.125)],
            [.add("ratio", 0.75)],
            // Scalars set over what was there (of another type too) and new ones.
            [.set("name", "algebra"), .set("flag", false), .set("answers", 3), .set("hour", 493_212), .set("category", "c-7")],
            [.add("answers", 1), .set("category", "c-7"), .add("inv", 0.0123), .add("ios", 2.5)],
        ] as [[UpdateAction]])
    func sameAsApply(_ actions: [UpdateAction]) throws {
        let expected = try UpdateAction.apply(actions, to: Self.stored, key: Self.key, schema: Self.schema)
        #expect(try Self.updated(actions, to: Self.stored) == expected)
    }

    @Test("an addition to a non-number attribute or an overflowing sum is left to the general way")
    func refusals() throws {
        #expect(try Self.updated([.add("name", 1)], to: Self.stored) == nil)
        #expect(try Self.updated([.add("flag", 1)], to: Self.stored) == nil)
        #expect(try Self.updated([.add("nothing", 1)], to: Self.stored) == nil)
        #expect(try Self.updated([.add("tags", 1)], to: Self.stored) == nil)
        #expect(try Self.updated([.add("answers", 1), .add("big", 2)], to: Self.stored) == nil)
        #expect(try Self.updated([.add("correct", Number(Int64.min))], to: Item(["pk": "p", "sk": "s", "correct": .int(-1)])) == nil)
    }

    @Test("damaged bytes are reported, not read past")
    func damaged() throws {
        let bytes = ItemCodec.encode(Self.stored)
        for cut in [0, 1, bytes.count / 2, bytes.count - 1] {
            let prefix = Array(bytes.prefix(cut))
            #expect(throws: TableError.self) {
                try prefix.withUnsafeBytes { buffer in
                    try Result { () throws(TableError) -> [UInt8]? in try ItemCodec.updating([("answers", .add(1))], to: buffer) }.get()
                }
            }
        }
    }
}
