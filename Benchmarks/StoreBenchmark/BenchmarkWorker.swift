import CSQLite
import Foundation
import QuizStore
import QuizStoreSQLite

/// One benchmark process: updates its own item in a loop until its time is up.
struct BenchmarkWorker {
    var mode: BenchmarkMode
    var path: String
    var index: Int

    static let table = TableSchema(name: "bench")

    func prepare() async throws {
        switch mode {
        case .table: _ = try SQLiteTableStore(path: path)
        case .raw:
            let raw = try RawSQLite(path: path)
            try raw.execute("CREATE TABLE IF NOT EXISTS raw_counters (id TEXT PRIMARY KEY, version INTEGER NOT NULL, count INTEGER NOT NULL)")
        }
    }

    func storedTotal() async throws -> Int {
        switch mode {
        case .table:
            let store = try SQLiteTableStore(path: path)
            return try await store.queryAll(Query(Self.table, partition: "bench")).reduce(0) { $0 + Int($1.int("count") ?? 0) }
        case .raw:
            return try RawSQLite(path: path).scalar("SELECT COALESCE(SUM(count), 0) FROM raw_counters")
        }
    }

    func run(startAt start: Double, seconds: Double) async -> (operations: Int, errors: Int, elapsed: Double) {
        do {
            switch mode {
            case .table: return try await runTable(startAt: start, seconds: seconds)
            case .raw: return try runRaw(startAt: start, seconds: seconds)
            }
        } catch {
            FileHandle.standardError.write(Data("worker \(index): \(error)\n".utf8))
            return (0, 1, 1)
        }
    }

    private func waitFor(_ start: Double) {
        let delay = start - Date().timeIntervalSince1970
        if delay > 0 { usleep(useconds_t(delay * 1_000_000)) }
    }

    private func runTable(startAt start: Double, seconds: Double) async throws -> (Int, Int, Double) {
        let store = try SQLiteTableStore(path: path)
        let key = Key("bench", "p\(index)")
        try await store.put(["pk": "bench", "sk": .string(key.sort!), "version": 0, "count": 0], into: Self.table)
        waitFor(start)
        let clock = ContinuousClock()
        let began = clock.now
        let deadline = began + .milliseconds(Int(seconds * 1000))
        var version: Int64 = 0
        var operations = 0
        var errors = 0
        while clock.now < deadline {
            do {
                try await store.update(
                    key, in: Self.table, [.set("version", .int(version + 1)), .add("count", 1)], if: .version(version))
                version += 1
                operations += 1
            } catch {
                errors += 1
            }
        }
        return (operations, errors, (clock.now - began).seconds)
    }

    private func runRaw(startAt start: Double, seconds: Double) throws -> (Int, Int, Double) {
        let raw = try RawSQLite(path: path)
        let id = "p\(index)"
        try raw.execute("INSERT OR REPLACE INTO raw_counters (id, version, count) VALUES ('\(id)', 0, 0)")
        let update = try raw.prepare("UPDATE raw_counters SET version = version + 1, count = count + 1 WHERE id = ?1 AND version = ?2")
        waitFor(start)
        let clock = ContinuousClock()
        let began = clock.now
        let deadline = began + .milliseconds(Int(seconds * 1000))
        var version: Int64 = 0
        var operations = 0
        var errors = 0
        while clock.now < deadline {
            sqlite3_reset(update)
            quiz_sqlite3_bind_transient_text(update, 1, id, Int32(id.utf8.count))
            sqlite3_bind_int64(update, 2, version)
            if sqlite3_step(update) == SQLITE_DONE, raw.changes == 1 {
                version += 1
                operations += 1
            } else {
                errors += 1
            }
        }
        sqlite3_finalize(update)
        return (operations, errors, (clock.now - began).seconds)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// The raw loop's connection: the same settings as the table backend's, and nothing else.
final class RawSQLite {
    let handle: OpaquePointer

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(path: String) throws {
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK,
            let handle
        else {
            sqlite3_close_v2(handle)
            throw Failure(description: "cannot open \(path)")
        }
        self.handle = handle
        sqlite3_busy_timeout(handle, 10_000)
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=NORMAL")
    }

    deinit { sqlite3_close_v2(handle) }

    var changes: Int32 { sqlite3_changes(handle) }

    func execute(_ sql: String) throws {
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else {
            throw Failure(description: String(cString: sqlite3_errmsg(handle)))
        }
    }

    func prepare(_ sql: String) throws -> OpaquePointer {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw Failure(description: String(cString: sqlite3_errmsg(handle)))
        }
        return statement
    }

    func scalar(_ sql: String) throws -> Int {
        let statement = try prepare(sql)
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW else { throw Failure(description: String(cString: sqlite3_errmsg(handle))) }
        return Int(sqlite3_column_int64(statement, 0))
    }
}
