import Foundation
import QuizStore
import QuizStoreSQLite
import QuizTestSupport
import Testing

/// What only the SQLite backend has: its URL, its files and its damage handling.
@Suite("SQLite backend")
struct SQLiteBackendTests {
    @Test("a sqlite: URL opens the file it names, creating folders", arguments: ["sqlite:", "sqlite://"])
    func urls(prefix: String) async throws {
        let directory = TemporaryDirectory()
        let path = "\(directory.path)/a/b/quiz.db"
        let store = try SQLiteTableStore(url: prefix + path)
        #expect(store.path == path)
        try await store.put(["pk": "p", "sk": "s"], into: Tables.main)
        #expect(FileManager.default.fileExists(atPath: path))
        // WAL mode is on: the write went to the write-ahead log beside the database.
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test("URLs that name no SQLite file are refused", arguments: ["sqlite:", "postgres://x", "sqlite://"])
    func badURLs(url: String) {
        #expect(throws: TableError.validation("")) { try SQLiteTableStore(url: url) }
    }

    @Test("a file that is not a database fails with a clear error, not a crash")
    func notADatabase() throws {
        let directory = TemporaryDirectory()
        let path = "\(directory.path)/junk.db"
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: TableError.self) { try SQLiteTableStore(path: path) }
        #expect(error?.code == .backendFailure)
    }

    @Test("two stores on one file see each other's writes at once")
    func sharedFile() async throws {
        let directory = TemporaryDirectory()
        let path = "\(directory.path)/shared.db"
        let first = try SQLiteTableStore(path: path)
        let second = try SQLiteTableStore(path: path)
        try await first.put(["pk": "p", "sk": "s", "v": 1], into: Tables.main)
        #expect(try await second.get(Key("p", "s"), from: Tables.main)?.int("v") == 1)
        try await second.update(Key("p", "s"), in: Tables.main, [.add("v", 1)], if: .version(1, attribute: "v"))
        #expect(try await first.get(Key("p", "s"), from: Tables.main)?.int("v") == 2)
    }

    @Test("reads beside writes on one store, from many tasks, see only committed states, in order")
    func readsBesideWrites() async throws {
        // While a write holds the store's main connection, reads go to connections of their own;
        // each must see a whole transaction or none of it, and never go back in time.
        let directory = TemporaryDirectory()
        let store = try SQLiteTableStore(path: "\(directory.path)/busy.db")
        try await store.put(["pk": "p", "sk": "x", "n": 0], into: Tables.main)
        try await store.put(["pk": "p", "sk": "y", "n": 0], into: Tables.main)
        let writers = 2, transactions = 300, readers = 4

        let torn = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<writers {
                group.addTask {
                    for _ in 0..<transactions {
                        try await store.transactWrite([
                            .update(Key("p", "x"), in: Tables.main, [.add("n", 1)]), .update(Key("p", "y"), in: Tables.main, [.add("n", 1)]),
                        ])
                    }
                    return 0
                }
            }
            for _ in 0..<readers {
                group.addTask {
                    var problems = 0
                    var last: Int64 = 0
                    while last < Int64(writers * transactions) {
                        let page = try await store.query(Query(Tables.main, partition: "p"))
                        let values = page.items.compactMap { $0.int("n") }
                        // x and y change in one transaction: a query (one snapshot) sees them equal.
                        if values.count != 2 || values[0] != values[1] || values[0] < last { problems += 1 }
                        last = max(last, values.first ?? 0)
                        let single = try await store.get(Key("p", "x"), from: Tables.main)?.int("n") ?? -1
                        if single < last { problems += 1 }
                        last = max(last, single)
                    }
                    return problems
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(torn == 0)
        #expect(try await store.get(Key("p", "y"), from: Tables.main)?.int("n") == Int64(writers * transactions))
    }
}

/// The binary item form the SQLite backend stores.
@Suite("Item codec")
struct ItemCodecTests {
    static let sample: Item = [
        "s": "text ✓", "i": -123_456_789, "max": .int(Int64.max), "min": .int(Int64.min), "d": 3.25, "b": .binary([9, 0]),
        "t": true, "f": false, "n": .null, "l": [1, ["x": [2]]], "m": [:], "e": "",
    ]

    @Test("items round-trip exactly")
    func roundTrip() throws {
        #expect(try ItemCodec.decode(ItemCodec.encode(Self.sample)) == Self.sample)
        #expect(try ItemCodec.decode(ItemCodec.encode(Item())) == Item())
    }

    @Test("every truncation of an encoded item is reported as damage")
    func truncation() {
        let bytes = ItemCodec.encode(Self.sample)
        for length in 0..<bytes.count {
            #expect(throws: TableError(.backendFailure, "")) { try ItemCodec.decode(Array(bytes.prefix(length))) }
        }
        #expect(throws: TableError(.backendFailure, "")) { try ItemCodec.decode(bytes + [0]) }
    }

    @Test("numbers keep integers exact and compare by value")
    func numbers() {
        #expect(Number("42")?.intValue == 42)
        #expect(Number("4.0") == Number(4))
        #expect(Number("-1.5")?.doubleValue == -1.5)
        #expect(Number("1e3") == Number(1000))
        #expect(Number("9223372036854775807")?.intValue == Int64.max)
        for bad in ["", "abc", "nan", "inf", "1.2.3", "0x10"] { #expect(Number(bad) == nil, "\(bad)") }
        #expect(Number(Int64.max).adding(1) == nil)
        #expect(Number(2).adding(0.5) == Number(2.5))
        #expect(Number(3) < Number(3.5))
    }
}
