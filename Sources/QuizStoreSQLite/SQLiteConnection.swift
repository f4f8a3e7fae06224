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
    let handle: OpaquePointer
    /// How it waits for another process's lock (`SQLiteBusyWait`).
    private let busyWait: SQLiteBusyWait
    /// Its WAL hook, which asks for checkpoints (`SQLiteCheckpoints`); none on the connection
    /// that runs them.
    private let walWatch: SQLiteCheckpoints.Watch?
    /// The writers' queue of the file (`SQLiteWriterGate`), on a connection that writes: taken
    /// only when `BEGIN IMMEDIATE` finds another writer (``writeTransaction(_:)``).
    private let writerGate: SQLiteWriterGate?
    private var statements: [String: SQLiteStatement] = [:]
    /// The statements of `FrequentStatement`, by raw value, prepared on first use.
    private var frequent = [SQLiteStatement?](repeating: nil, count: FrequentStatement.allCases.count)
    /// The statements of query shapes (`QueryPlan.shape`), prepared on first use.
    private var queries = [SQLiteStatement?](repeating: nil, count: QueryPlan.shapeCount)

    /// The page size of a new database file.
    static let pageSize = 8192
    /// The page cache limit of each connection.
    static let cacheKibibytes = 32 * 1024

    /// Opens (creating when needed) the database file at `path` and prepares it for use by many processes.
    init(path: String, busyTimeout: Duration, checkpoints: SQLiteCheckpoints?, writerGate: SQLiteWriterGate? = nil) throws(TableError) {
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
        busyWait = SQLiteBusyWait(limit: busyTimeout)
        walWatch = checkpoints?.watch()
        self.writerGate = writerGate
        sqlite3_extended_result_codes(handle, 1)
        busyWait.install(on: handle)
        do throws(TableError) {
            // 8 KiB pages for a new file (an existing one keeps its page size): an index B-tree
            // page, which is what a WITHOUT ROWID table is, keeps up to about 2,000 bytes of a row
            // in place with 8 KiB pages, against about 1,000 with 4 KiB; a session or progress
            // item above that would spill into an overflow page, one more page to write (and
            // free, and reallocate) on every change.
            try execute("PRAGMA page_size=\(Self.pageSize)")
            // journal_mode answers the mode in force: anything but "wal" (a read-only
            // medium, a network file system) would bring back "database is locked".
            let mode = try scalarText("PRAGMA journal_mode=WAL")
            guard mode?.lowercased() == "wal" else {
                throw TableError(.backendFailure, "SQLite refused WAL mode (journal_mode is \(mode ?? "unknown"))")
            }
            try execute("PRAGMA synchronous=NORMAL")
            // A page cache that holds a busy database's hot pages (bank items are read at random),
            // so reads do not go back to the file; pages are only used as they are read.
            try execute("PRAGMA cache_size=-\(Self.cacheKibibytes)")
            // Checkpoints on the store's checkpoint thread, toward a mark of 8,000 pages by default
            // (62.5 MiB of WAL) instead of SQLite's 1,000: a checkpoint copies each changed page
            // once however often it changed since the last one, so rarer checkpoints copy far
            // fewer pages per write; durability is unchanged. How: SQLiteCheckpoints.
            if let walWatch { walWatch.install(on: handle) } else { sqlite3_wal_autocheckpoint(handle, 0) }
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
        for case let statement? in frequent + queries { statement.finalize() }
        frequent = frequent.map { _ in nil }
        queries = queries.map { _ in nil }
    }

    /// One of the statements the store runs on nearly every call, reset for a new run.
    func statement(_ kind: FrequentStatement) throws(TableError) -> SQLiteStatement {
        if let statement = frequent[kind.rawValue] {
            statement.reset()
            return statement
        }
        let statement = try prepare(kind.sql)
        frequent[kind.rawValue] = statement
        return statement
    }

    /// The statement of a query shape (`QueryPlan`), reset for a new run.
    func queryStatement(shape: Int) throws(TableError) -> SQLiteStatement {
        if let statement = queries[shape] {
            statement.reset()
            return statement
        }
        let statement = try prepare(QueryPlan.sql(shape: shape))
        queries[shape] = statement
        return statement
    }

    private func prepare(_ sql: String) throws(TableError) -> SQLiteStatement {
        var raw: OpaquePointer?
        let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard status == SQLITE_OK, let raw else {
            throw error(status, context: "prepare")
        }
        return SQLiteStatement(handle: raw, connection: self)
    }

    /// The cached prepared statement for this SQL text, prepared on first use.
    func statement(_ sql: String) throws(TableError) -> SQLiteStatement {
        if let statement = statements[sql] {
            statement.reset()
            return statement
        }
        let statement = try prepare(sql)
        statements[sql] = statement
        return statement
    }

    /// Runs a statement that returns no rows worth reading.
    func execute(_ sql: String) throws(TableError) {
        let statement = try statement(sql)
        while try statement.step() {}
    }

    /// Runs a frequent statement that returns no rows.
    private func run(_ kind: FrequentStatement) throws(TableError) {
        let statement = try statement(kind)
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
        let gateHeld = try beginWriting()
        defer { if gateHeld { writerGate?.unlock() } }
        return try committing(body)
    }

    /// `BEGIN IMMEDIATE`, tried first without waiting: a writer that finds SQLite's write lock
    /// free takes it and never touches the writers' gate. One that finds it taken lines up in
    /// the gate (when the file has one) and then begins again, waiting as the busy handler
    /// says. Answers whether it holds the gate, which the caller lets go after the commit.
    ///
    /// Only writers that met another writer queue, so a process that writes again right after
    /// its commit does not hand the gate over and wake a sleeper each time (docs/storage-threads.md,
    /// "The writers' gate").
    private func beginWriting() throws(TableError) -> Bool {
        guard let writerGate else {
            try run(.begin)
            return false
        }
        let begin = try statement(.begin)
        busyWait.failsAtOnce = true
        let status = begin.stepResult()
        busyWait.failsAtOnce = false
        if status == SQLITE_DONE { return false }
        // Extended codes: SQLITE_BUSY_RECOVERY and the like are busy too.
        guard status & 0xFF == SQLITE_BUSY else { throw error(status, context: "step") }
        let held = writerGate.lock(waitingAtMost: busyWait.limitMicroseconds)
        do {
            try run(.begin)
        } catch {
            if held { writerGate.unlock() }
            throw error
        }
        return held
    }

    /// Runs `body`, which only reads, in one read transaction when `grouped` (one snapshot for all
    /// its statements; the WAL read lock taken once), or as it is otherwise (each statement its
    /// own snapshot, which for a single read is the same and spares the BEGIN and COMMIT).
    func readTransaction<T>(when grouped: Bool, _ body: () throws(TableError) -> T) throws(TableError) -> T {
        guard grouped else { return try body() }
        try run(.beginRead)
        return try committing(body)
    }

    /// `body`, in the transaction just begun, then COMMIT; ROLLBACK if it throws.
    private func committing<T>(_ body: () throws(TableError) -> T) throws(TableError) -> T {
        do {
            let result = try body()
            try run(.commit)
            return result
        } catch {
            // ROLLBACK fails only when there is no transaction left to roll back.
            try? run(.rollback)
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
