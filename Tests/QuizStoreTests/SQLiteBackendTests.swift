import Foundation
import QuizStore
import QuizStoreSQLite
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
