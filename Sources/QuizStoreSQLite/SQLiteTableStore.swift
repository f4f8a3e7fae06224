import CSQLite
import QuizStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The embedded table backend: every table in one SQLite file that any number of processes
/// share. Items are stored whole in the compact `ItemCodec` form; conditions and updates are
/// evaluated in a `BEGIN IMMEDIATE` transaction, so a read-check-write is atomic across processes.
public final class SQLiteTableStore: TableStore {
    /// Settings of the SQLite backend.
    public struct Configuration: Sendable {
        /// How long a write waits for another process's write lock before failing with `busy`.
        public var busyTimeout: Duration = .seconds(10)
        /// The WAL's length, in pages, at which a restart checkpoint starts it over; passive ones
        /// run from half of it (`SQLiteCheckpoints`).
        public var checkpointPages: Int = SQLiteTableStore.defaultCheckpointPages
        /// The page size of a query without a limit.
        public var defaultPageSize: Int = 1000
        /// The current time in epoch seconds, for TTL.
        public var currentTime: @Sendable () -> Int64 = SQLiteTableStore.systemTime

        /// The defaults.
        public init() {}
    }

    /// The default of `Configuration.checkpointPages`: 8,000 pages, 62.5 MiB of WAL with the
    /// store's 8 KiB pages.
    public static let defaultCheckpointPages = 8000

    /// The database file.
    public let path: String
    private let configuration: Configuration
    /// The thread every write runs on, with the connection they all go through; reads too
    /// while it is idle (see `read(_:)`, docs/storage-threads.md).
    let writer: BackendThreads<SQLiteConnection>
    /// Threads with connections of their own for reads that arrive while the writer is busy.
    let readers: BackendThreads<SQLiteConnection>

    /// Opens the database file at `path`, creating it and its directories when needed.
    public init(path: String, configuration: Configuration = Configuration()) throws(TableError) {
        try Self.createParentDirectories(of: path)
        // Owner-only from the first byte, whatever the umask; SQLite gives -wal and -shm this file's
        // mode, and the writers' gate makes -writers with mode 0600 itself.
        #if canImport(Glibc)
        let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #else
        let descriptor = Darwin.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #endif
        if descriptor >= 0 { close(descriptor) }
        let checkpoints = SQLiteCheckpoints(path: path, pages: configuration.checkpointPages)
        let gate = SQLiteWriterGate.open(databasePath: path)
        let connection = try Self.open(path: path, configuration: configuration, checkpoints: checkpoints, writerGate: gate)
        self.path = path
        self.configuration = configuration
        (writer, readers) = Self.threads(
            path: path, connection: connection, configuration: configuration, checkpoints: checkpoints, writerGate: gate)
    }

    /// A connection to the file, with the schema in place. Processes that open a new file at the
    /// same moment race to turn on WAL and create the schema, and SQLite may answer the loser
    /// `SQLITE_BUSY` at once, without waiting in the busy handler (switching the journal mode
    /// needs the file to itself); so a busy open is tried again, with short pauses, for as long as
    /// the busy timeout allows.
    static func open(
        path: String, configuration: Configuration, checkpoints: SQLiteCheckpoints, writerGate: SQLiteWriterGate?
    ) throws(TableError) -> SQLiteConnection {
        let deadline = ContinuousClock.now + configuration.busyTimeout
        var pause = Duration.milliseconds(1)
        while true {
            do throws(TableError) {
                let connection = try SQLiteConnection(
                    path: path, busyTimeout: configuration.busyTimeout, checkpoints: checkpoints, writerGate: writerGate)
                try connection.writeTransaction { () throws(TableError) in
                    try connection.execute(Schema.createItems)
                    try connection.execute(Schema.createExpiryIndex)
                    try connection.execute(Schema.createTransactionTokens)
                }
                return connection
            } catch {
                guard error.code == .busy, ContinuousClock.now + pause < deadline else { throw error }
            }
            let microseconds = pause.components.seconds * 1_000_000 + pause.components.attoseconds / 1_000_000_000_000
            usleep(UInt32(clamping: microseconds))
            pause = min(pause * 2, .milliseconds(50))
        }
    }

    /// Opens the store a `sqlite:PATH` URL names (`sqlite:.quiz/quiz.db`, `sqlite:///var/quiz.db`).
    public convenience init(url: String, configuration: Configuration = Configuration()) throws(TableError) {
        guard url.hasPrefix("sqlite:") else { throw .validation("not a sqlite: store URL") }
        var path = String(url.dropFirst("sqlite:".count))
        if path.hasPrefix("//") { path.removeFirst(2) }
        guard !path.isEmpty else { throw .validation("the sqlite: store URL names no file") }
        try self.init(path: path, configuration: configuration)
    }

    // MARK: - Single items

    public func get(_ key: Key, from table: TableSchema) async throws(TableError) -> Item? {
        try table.validate(key)
        let now = configuration.currentTime()
        return try await read { [self] connection throws(TableError) in try liveItem(key, of: table, now: now, on: connection) }
    }

    public func put(_ item: Item, into table: TableSchema, if condition: Condition?) async throws(TableError) {
        let key = try WriteValidation.check(item, for: table)
        try await writer.run { [self] connection throws(TableError) in
            try connection.writeTransaction { () throws(TableError) in
                if let condition { try check(condition, on: key, of: table, connection: connection) }
                try write(item, key: key, table: table, on: connection)
            }
        }
    }

    @discardableResult
    public func update(
        _ key: Key, in table: TableSchema, _ actions: [UpdateAction], if condition: Condition?
    ) async throws(TableError) -> Item {
        try table.validate(key)
        return try await writer.run { [self] connection throws(TableError) in
            try connection.writeTransaction { () throws(TableError) in
                let current = try read(key, of: table, on: connection)
                if let condition, !condition.isSatisfied(by: current) { throw .conditionFailed(current) }
                let updated = try UpdateAction.apply(actions, to: current, key: key, schema: table)
                try WriteValidation.check(updated, for: table)
                try write(updated, key: key, table: table, on: connection)
                return updated
            }
        }
    }

    @discardableResult
    public func delete(_ key: Key, from table: TableSchema, if condition: Condition?) async throws(TableError) -> Item? {
        try table.validate(key)
        return try await writer.run { [self] connection throws(TableError) in
            try connection.writeTransaction { () throws(TableError) in
                let current = try read(key, of: table, on: connection)
                if let condition, !condition.isSatisfied(by: current) { throw .conditionFailed(current) }
                if current != nil { try remove(key, of: table, on: connection) }
                return current
            }
        }
    }

    // MARK: - Query

    public func query(_ query: Query) async throws(TableError) -> QueryPage {
        try query.validate()
        let now = configuration.currentTime()
        return try await read { [self] connection throws(TableError) in try page(of: query, now: now, on: connection) }
    }

    // MARK: - Batches

    /// Every read in one read transaction: one snapshot, and the WAL read lock taken and dropped
    /// once for the batch instead of once per read (two `fcntl` calls each).
    public func read(_ requests: [ReadRequest]) async throws(TableError) -> [ReadResult] {
        for request in requests { try request.validate() }
        let now = configuration.currentTime()
        return try await read { [self] connection throws(TableError) in
            try connection.readTransaction(when: requests.count > 1) { () throws(TableError) -> [ReadResult] in
                var results: [ReadResult] = []
                results.reserveCapacity(requests.count)
                for request in requests {
                    switch request {
                    case .get(let key, let table): results.append(.item(try liveItem(key, of: table, now: now, on: connection)))
                    case .query(let query): results.append(.page(try page(of: query, now: now, on: connection)))
                    }
                }
                return results
            }
        }
    }

    public func batchGet(_ keys: [Key], from table: TableSchema) async throws(TableError) -> [Item] {
        for key in keys { try table.validate(key) }
        let unique = Array(Set(keys))
        let now = configuration.currentTime()
        var items: [Item] = []
        // Chunks of 100 as DynamoDB's BatchGetItem; each chunk reads under one lock hold.
        for start in stride(from: 0, to: unique.count, by: WriteValidation.batchGetChunk) {
            let chunk = unique[start..<min(start + WriteValidation.batchGetChunk, unique.count)]
            items += try await read { [self] connection throws(TableError) in
                var found: [Item] = []
                let statement = try connection.statement(.selectLive)
                for key in chunk {
                    statement.reset()
                    bind(key, of: table, to: statement)
                    statement.bind(4, now)
                    if try statement.step() { found.append(try decodeBody(statement, column: 0)) }
                }
                statement.reset()
                return found
            }
        }
        return items
    }

    public func batchWrite(_ writes: [BatchWrite], in table: TableSchema) async throws(TableError) {
        var keys = Set<Key>()
        var prepared: [(key: Key, item: Item?)] = []
        for write in writes {
            let key: Key
            switch write {
            case .put(let item): key = try WriteValidation.check(item, for: table)
            case .delete(let deleted):
                try table.validate(deleted)
                key = deleted
            }
            guard keys.insert(key).inserted else { throw .validation("a batch write cannot touch one item twice") }
            if case .put(let item) = write { prepared.append((key, item)) } else { prepared.append((key, nil)) }
        }
        for start in stride(from: 0, to: prepared.count, by: WriteValidation.batchWriteChunk) {
            let chunk = prepared[start..<min(start + WriteValidation.batchWriteChunk, prepared.count)]
            try await writer.run { [self] connection throws(TableError) in
                try connection.writeTransaction { () throws(TableError) in
                    for (key, item) in chunk {
                        if let item {
                            try write(item, key: key, table: table, on: connection)
                        } else {
                            try remove(key, of: table, on: connection)
                        }
                    }
                }
            }
        }
    }

    // MARK: - Transactions

    public func transactWrite(_ writes: [TransactionWrite], token: TransactionToken?) async throws(TableError) {
        try WriteValidation.check(writes)
        for case .put(let item, let table, _) in writes { try WriteValidation.check(item, for: table) }
        let tokenCheck = token.map { TokenCheck(token: $0, writes: writes, now: configuration.currentTime()) }
        try await writer.run { [self] connection throws(TableError) in
            try connection.writeTransaction { () throws(TableError) in
                // A repeat of a transaction that committed: answered as done, nothing written.
                if let tokenCheck, try tokenCheck.claim(on: connection) { return }
                // Every condition is checked against the state before the transaction; only
                // when all hold is anything written (DynamoDB's all-or-nothing contract).
                var reasons: [CancellationReason] = []
                var planned: [(key: Key, table: TableSchema, change: PlannedChange)] = []
                planned.reserveCapacity(writes.count)
                for write in writes {
                    let key = try write.key()
                    // Counters added to (and scalars set) without a condition are changed in the stored bytes.
                    if case .update(_, let table, let actions, nil) = write, let changes = Self.inPlaceChanges(actions, schema: table),
                        let body = try updatingInPlace(changes, key: key, of: table, connection: connection)
                    {
                        planned.append((key, table, .body(body)))
                        reasons.append(.none)
                        continue
                    }
                    // Only an update needs the whole current item; the others need what their
                    // condition reads, which spares decoding large items just to compare a version.
                    var current: Item?
                    if case .update = write {
                        current = try read(key, of: write.table, on: connection)
                        if let condition = write.condition, !condition.isSatisfied(by: current) {
                            reasons.append(CancellationReason(code: .conditionFailed, item: current))
                            continue
                        }
                    } else if let condition = write.condition {
                        do throws(TableError) {
                            try check(condition, on: key, of: write.table, connection: connection)
                        } catch where error.code == .conditionFailed {
                            reasons.append(CancellationReason(code: .conditionFailed, item: error.currentItem))
                            continue
                        }
                    }
                    switch write {
                    case .put(let item, _, _):
                        planned.append((key, write.table, .item(item)))
                    case .update(_, _, let actions, _):
                        do throws(TableError) {
                            let updated = try UpdateAction.apply(actions, to: current, key: key, schema: write.table)
                            try WriteValidation.check(updated, for: write.table)
                            planned.append((key, write.table, .item(updated)))
                        } catch {
                            let code: CancellationReason.Code = error.code == .itemTooLarge ? .itemTooLarge : .validation
                            reasons.append(CancellationReason(code: code, message: error.message))
                            continue
                        }
                    case .delete:
                        planned.append((key, write.table, .delete))
                    case .conditionCheck:
                        break
                    }
                    reasons.append(.none)
                }
                guard reasons.allSatisfy({ $0.code == .none }) else { throw .transactionCanceled(reasons) }
                for (key, table, change) in planned {
                    switch change {
                    case .item(let item): try write(item, key: key, table: table, on: connection)
                    case .body(let body): try replaceBody(body, key: key, table: table, on: connection)
                    case .delete: try remove(key, of: table, on: connection)
                    }
                }
            }
        }
    }

    /// What a transaction writes to one item once every condition holds.
    private enum PlannedChange {
        case item(Item)
        /// New bytes for an item that exists and keeps its expiry.
        case body([UInt8])
        case delete
    }

    /// The changes of an update that is nothing but `add`s and `set`s of a number, a string or a
    /// boolean, to distinct, non-key, non-TTL attributes; `nil` for any other update, which goes
    /// the general way (and reports whatever is wrong with it there).
    private static func inPlaceChanges(_ actions: [UpdateAction], schema: TableSchema) -> [(name: String, change: ItemCodec.InPlaceChange)]? {
        var changes: [(name: String, change: ItemCodec.InPlaceChange)] = []
        changes.reserveCapacity(actions.count)
        for action in actions {
            let change: ItemCodec.InPlaceChange
            switch action {
            case .add(_, let number): change = .add(number)
            case .set(_, let value):
                switch value {
                case .number, .string, .bool: change = .set(value)
                default: return nil
                }
            case .setIfNotExists, .remove: return nil
            }
            let name = action.attribute
            guard !name.isEmpty, name != schema.partitionKey, name != schema.sortKey, name != schema.ttlAttribute,
                !changes.contains(where: { $0.name == name })
            else { return nil }
            changes.append((name, change))
        }
        return changes
    }

    /// The stored item's bytes with `changes` made (`ItemCodec.updating`); `nil` when the item
    /// does not exist, the changes cannot be made on the bytes, or the result is large enough that
    /// its size must be measured the general way. The bound is safe: no attribute counts more
    /// than 7 times its encoded length against the limit (`Item.size`), and 32 KiB × 7 is
    /// below 400 KB.
    private func updatingInPlace(
        _ changes: [(name: String, change: ItemCodec.InPlaceChange)], key: Key, of table: TableSchema, connection: SQLiteConnection
    ) throws(TableError) -> [UInt8]? {
        let statement = try connection.statement(.selectAny)
        bind(key, of: table, to: statement)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        let body = try statement.withBytes(0) { bytes throws(TableError) in try ItemCodec.updating(changes, to: bytes) }
        guard let body, body.count <= 32 * 1024 else { return nil }
        return body
    }

    private func replaceBody(_ body: [UInt8], key: Key, table: TableSchema, on connection: SQLiteConnection) throws(TableError) {
        let statement = try connection.statement(.updateBody)
        bind(key, of: table, to: statement)
        statement.bind(4, bytes: body)
        while try statement.step() {}
    }

    // MARK: - Maintenance

    public func removeExpired(from table: TableSchema, now: Int64, limit: Int) async throws(TableError) -> Int {
        guard limit > 0 else { throw .validation("limit must be at least 1") }
        return try await writer.run { [self] connection throws(TableError) in
            try connection.writeTransaction { () throws(TableError) in
                let statement = try connection.statement(Schema.deleteExpired)
                statement.bind(1, table.name)
                statement.bind(2, now)
                statement.bind(3, Int64(limit))
                while try statement.step() {}
                return connection.changes
            }
        }
    }

    public func ping() async throws(TableError) {
        try await writer.run { [self] connection throws(TableError) in
            _ = try connection.scalarText("SELECT 1")
        }
    }

    // MARK: - Rows

    private func bind(_ key: Key, of table: TableSchema, to statement: SQLiteStatement) {
        statement.bind(1, table.name)
        statement.bind(2, key.partition)
        statement.bind(3, key.sort ?? "")
    }

    /// The item unless its TTL has passed at `now`.
    private func liveItem(_ key: Key, of table: TableSchema, now: Int64, on connection: SQLiteConnection) throws(TableError) -> Item? {
        let statement = try connection.statement(.selectLive)
        // A statement left mid-result holds its read snapshot open, and a later BEGIN
        // IMMEDIATE on a stale snapshot fails with BUSY at once: always reset after reading.
        defer { statement.reset() }
        bind(key, of: table, to: statement)
        statement.bind(4, now)
        return try statement.step() ? try decodeBody(statement, column: 0) : nil
    }

    /// One page of a validated query.
    private func page(of query: Query, now: Int64, on connection: SQLiteConnection) throws(TableError) -> QueryPage {
        let start = try query.cursor.map { cursor throws(TableError) in try cursor.key(in: query) }
        let limit = query.limit ?? configuration.defaultPageSize
        let plan = QueryPlan(query: query, resumesAfter: start?.sort)
        let statement = try connection.queryStatement(shape: plan.shape)
        defer { statement.reset() }
        statement.bind(1, query.table.name)
        statement.bind(2, query.partition)
        statement.bind(3, now)
        // One row more than the page tells whether another page exists.
        statement.bind(4, Int64(limit) + 1)
        for (offset, bound) in plan.bounds.enumerated() {
            statement.bind(Int32(5 + offset), textBytes: bound)
        }
        var items: [Item] = []
        items.reserveCapacity(min(limit, 64))
        var lastSort: String?
        var more = false
        while try statement.step() {
            if items.count == limit {
                more = true
                break
            }
            // Only the sort key of a full page's last row is ever needed (for the cursor).
            if items.count == limit - 1 { lastSort = statement.text(0) }
            items.append(try decodeBody(statement, column: 1))
        }
        let next = more ? Cursor(after: Key(query.partition, query.table.sortKey == nil ? nil : lastSort)) : nil
        return QueryPage(items: items, nextCursor: next)
    }

    /// The stored item, expired or not: conditions see what is stored, as DynamoDB's do.
    private func read(_ key: Key, of table: TableSchema, on connection: SQLiteConnection) throws(TableError) -> Item? {
        let statement = try connection.statement(.selectAny)
        bind(key, of: table, to: statement)
        defer { statement.reset() }
        return try statement.step() ? try decodeBody(statement, column: 0) : nil
    }

    /// Checks a condition against the stored item, decoding only the attributes it reads; a
    /// failure carries the whole item, as callers expect.
    private func check(_ condition: Condition, on key: Key, of table: TableSchema, connection: SQLiteConnection) throws(TableError) {
        let statement = try connection.statement(.selectAny)
        bind(key, of: table, to: statement)
        defer { statement.reset() }
        guard try statement.step() else {
            if condition.isSatisfied(by: nil) { return }
            throw .conditionFailed(nil)
        }
        let names = condition.attributeNames
        let partial = try statement.withBytes(0) { bytes throws(TableError) in try ItemCodec.decode(bytes, only: names) }
        if condition.isSatisfied(by: partial) { return }
        throw .conditionFailed(try decodeBody(statement, column: 0))
    }

    private func write(_ item: Item, key: Key, table: TableSchema, on connection: SQLiteConnection) throws(TableError) {
        let expiry = table.expiry(of: item)
        let body = ItemCodec.encode(item)
        if let expiry {
            // Most writes of an item with a TTL rewrite it with the same TTL (a session while it
            // runs): then the body alone changes, and the expiry index is left as it is.
            let update = try connection.statement(.updateBodyKeepingExpiry)
            bind(key, of: table, to: update)
            update.bind(4, expiry)
            update.bind(5, bytes: body)
            while try update.step() {}
            if connection.changes > 0 { return }
        }
        let statement = try connection.statement(.upsert)
        bind(key, of: table, to: statement)
        statement.bind(4, expiry)
        statement.bind(5, bytes: body)
        while try statement.step() {}
    }

    private func remove(_ key: Key, of table: TableSchema, on connection: SQLiteConnection) throws(TableError) {
        let statement = try connection.statement(.delete)
        bind(key, of: table, to: statement)
        while try statement.step() {}
    }

    private func decodeBody(_ statement: SQLiteStatement, column: Int32) throws(TableError) -> Item {
        try statement.withBytes(column) { bytes throws(TableError) in try ItemCodec.decode(bytes) }
    }

    // MARK: - Files and time

    /// The wall-clock time in epoch seconds.
    @Sendable
    public static func systemTime() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec)
    }

    private static func createParentDirectories(of path: String) throws(TableError) {
        var components = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        guard !components.isEmpty else { return }
        var current = path.hasPrefix("/") ? "" : "."
        if path.hasPrefix("/") { components = components.dropFirst() }
        for component in components where !component.isEmpty {
            current += "/" + component
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                throw TableError(.backendFailure, "cannot create directory \(current) (errno \(errno))")
            }
        }
    }
}
