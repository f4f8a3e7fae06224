import CSQLite
import QuizStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One open SQLite database connection with its cache of prepared statements.
///
/// Not thread-safe: `SQLiteTableStore` keeps it behind a mutex. Set up as GRDB sets up its
/// connections: extended result codes, a busy timeout, WAL checked to be active,
/// `synchronous=NORMAL` ([WAL](https://www.sqlite.org/wal.html)).
final class SQLiteConnection {
    private let handle: OpaquePointer
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens (creating when needed) the database file at `path` and prepares it for use by many processes.
    init(path: String, busyTimeout: Duration) throws(TableError) {
        var handle: OpaquePointer?
        // NOMUTEX: the store serialises access itself, so SQLite's own mutexes are pure cost.
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw TableError(.backendFailure, "cannot open SQLite database at \(path): \(message)")
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
        let milliseconds = busyTimeout.components.seconds * 1000 + busyTimeout.components.attoseconds / 1_000_000_000_000_000
        sqlite3_busy_timeout(handle, Int32(clamping: milliseconds))
        do throws(TableError) {
            // journal_mode answers the mode in force: anything but "wal" (a read-only
            // medium, a network file system) would bring back "database is locked".
            let mode = try scalarText("PRAGMA journal_mode=WAL")
            guard mode?.lowercased() == "wal" else {
                throw TableError(.backendFailure, "SQLite refused WAL mode (journal_mode is \(mode ?? "unknown"))")
            }
            try execute("PRAGMA synchronous=NORMAL")
        } catch {
            finalizeAll()
            sqlite3_close_v2(handle)
            throw error
        }
    }

    deinit {
        finalizeAll()
        sqlite3_close_v2(handle)
    }

    private func finalizeAll() {
        for statement in statements.values { statement.finalize() }
        statements.removeAll()
    }

    /// The cached prepared statement for this SQL text, prepared on first use.
    func statement(_ sql: String) throws(TableError) -> SQLiteStatement {
        if let statement = statements[sql] {
            statement.reset()
            return statement
        }
        var raw: OpaquePointer?
        let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard status == SQLITE_OK, let raw else {
            throw error(status, context: "prepare")
        }
        let statement = SQLiteStatement(handle: raw, connection: self)
        statements[sql] = statement
        return statement
    }

    /// Runs a statement that returns no rows worth reading.
    func execute(_ sql: String) throws(TableError) {
        let statement = try statement(sql)
        while try statement.step() {}
    }

    /// The first column of the first row of a statement, as text.
    func scalarText(_ sql: String) throws(TableError) -> String? {
        let statement = try statement(sql)
        defer { statement.reset() }
        return try statement.step() ? statement.text(0) : nil
    }

    /// The number of rows the last statement changed.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so a
    /// read-then-write never has to upgrade its lock, the case where SQLite returns BUSY at
    /// once whatever the busy timeout ([BEGIN](https://www.sqlite.org/lang_transaction.html)).
    func writeTransaction<T>(_ body: () throws(TableError) -> T) throws(TableError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // ROLLBACK fails only when there is no transaction left to roll back.
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// The table-layer error for a SQLite result code, with SQLite's message (which never holds bound values).
    func error(_ status: Int32, context: String) -> TableError {
        let message = "\(context): \(String(cString: sqlite3_errmsg(handle))) (SQLite code \(status))"
        switch status & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return TableError(.busy, message)
        case SQLITE_TOOBIG:
            return TableError(.itemTooLarge, message)
        default:
            return TableError(.backendFailure, message)
        }
    }
}
