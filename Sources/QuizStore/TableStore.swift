/// A key-value table store with the semantics of DynamoDB: the one seam between the product
/// and its storage. Every backend (SQLite, DynamoDB) and every wrapper (retries, circuit
/// breaker) conforms, and one conformance suite checks them all.
///
/// Reads never return items whose TTL has passed. Conditions see every stored item, expired
/// or not, as DynamoDB's do; `Condition.absentOrExpired` treats an expired item as gone.
public protocol TableStore: Sendable {
    /// The item with this key, or `nil`.
    func get(_ key: Key, from table: TableSchema) async throws(TableError) -> Item?

    /// Writes the item whole, replacing any item with its key, when the condition holds;
    /// otherwise throws `conditionFailed` with the current item.
    func put(_ item: Item, into table: TableSchema, if condition: Condition?) async throws(TableError)

    /// Applies the actions to the item (creating it when absent), when the condition holds,
    /// and returns the item as written.
    @discardableResult
    func update(_ key: Key, in table: TableSchema, _ actions: [UpdateAction], if condition: Condition?) async throws(TableError) -> Item

    /// Deletes the item when the condition holds and returns what was deleted (`nil` when there was nothing).
    @discardableResult
    func delete(_ key: Key, from table: TableSchema, if condition: Condition?) async throws(TableError) -> Item?

    /// One page of the items of a partition.
    func query(_ query: Query) async throws(TableError) -> QueryPage

    /// Several reads that do not depend on one another, answered in request order. Every request
    /// is checked before any is read. SQLite answers them all from one snapshot, taking the
    /// file's read locks once; DynamoDB sends them at the same time. Either way the batch costs
    /// one round instead of one per read.
    func read(_ requests: [ReadRequest]) async throws(TableError) -> [ReadResult]

    /// The items with these keys that exist, in no particular order. Any number of keys;
    /// the backend splits them into requests of at most 100.
    func batchGet(_ keys: [Key], from table: TableSchema) async throws(TableError) -> [Item]

    /// Puts and deletes without conditions. Any number of writes; the backend splits them
    /// into requests of at most 25. Each chunk is written whole or not at all.
    func batchWrite(_ writes: [BatchWrite], in table: TableSchema) async throws(TableError)

    /// Writes up to 100 items across tables, all or nothing. No two writes may touch one item.
    /// When any condition fails, nothing is written and `transactionCanceled` says, per write, why.
    ///
    /// With a `token`, a repeat of a transaction that committed in the last ten minutes is
    /// answered as a success and writes nothing (see ``TransactionToken``).
    func transactWrite(_ writes: [TransactionWrite], token: TransactionToken?) async throws(TableError)

    /// Deletes up to `limit` items whose TTL has passed at `now` (epoch seconds) and returns how many it deleted.
    func removeExpired(from table: TableSchema, now: Int64, limit: Int) async throws(TableError) -> Int

    /// Whether the backend deletes expired items by itself (DynamoDB's TTL), so a sweep need
    /// not: `removeExpired` then costs a scan of the whole table.
    var expiresItemsItself: Bool { get }

    /// Checks that the backend answers.
    func ping() async throws(TableError)
}

extension TableStore {
    /// No backend deletes expired items by itself unless it says so.
    public var expiresItemsItself: Bool { false }

    /// One request after another (`readEach`), for a backend without a better way.
    public func read(_ requests: [ReadRequest]) async throws(TableError) -> [ReadResult] {
        try await readEach(requests)
    }

    /// Writes up to 100 items across tables, all or nothing, without a token.
    public func transactWrite(_ writes: [TransactionWrite]) async throws(TableError) {
        try await transactWrite(writes, token: nil)
    }

    /// Writes the item whole, replacing any item with its key.
    public func put(_ item: Item, into table: TableSchema) async throws(TableError) {
        try await put(item, into: table, if: nil)
    }

    /// Applies the actions to the item, creating it when absent.
    @discardableResult
    public func update(_ key: Key, in table: TableSchema, _ actions: [UpdateAction]) async throws(TableError) -> Item {
        try await update(key, in: table, actions, if: nil)
    }

    /// Deletes the item, if any, and returns it.
    @discardableResult
    public func delete(_ key: Key, from table: TableSchema) async throws(TableError) -> Item? {
        try await delete(key, from: table, if: nil)
    }

    /// Every item of a partition that matches, following cursors page by page.
    public func queryAll(_ query: Query) async throws(TableError) -> [Item] {
        var query = query
        var items: [Item] = []
        repeat {
            let page = try await self.query(query)
            items += page.items
            query.cursor = page.nextCursor
        } while query.cursor != nil
        return items
    }
}

/// Checks every backend applies before it writes: sizes, counts and keys.
public enum WriteValidation {
    /// The most keys one batch get request carries, as in DynamoDB.
    public static let batchGetChunk = 100
    /// The most writes one batch write request carries, as in DynamoDB.
    public static let batchWriteChunk = 25

    /// Refuses an item over 400 KB or without a proper key, and returns its key.
    @discardableResult
    public static func check(_ item: Item, for table: TableSchema) throws(TableError) -> Key {
        let key = try table.key(of: item)
        let size = item.size
        guard size <= Item.maximumSize else { throw .itemTooLarge(size: size) }
        return key
    }

    /// Refuses an empty transaction, one over 100 writes, or one that touches an item twice.
    public static func check(_ writes: [TransactionWrite]) throws(TableError) {
        guard !writes.isEmpty else { throw .validation("a transaction needs at least one write") }
        guard writes.count <= TransactionWrite.maximumCount else {
            throw .validation("a transaction holds at most \(TransactionWrite.maximumCount) writes, not \(writes.count)")
        }
        // A handful of writes, the usual transaction, are compared pair by pair: cheaper than
        // hashing every table name and key into a set.
        if writes.count <= 16 {
            var seen: [ItemAddress] = []
            seen.reserveCapacity(writes.count)
            for write in writes {
                let address = ItemAddress(table: write.table.name, key: try write.key())
                guard !seen.contains(address) else { throw duplicate }
                seen.append(address)
            }
            return
        }
        var seen = Set<ItemAddress>()
        for write in writes {
            let address = ItemAddress(table: write.table.name, key: try write.key())
            guard seen.insert(address).inserted else { throw duplicate }
        }
    }

    private static var duplicate: TableError { .validation("a transaction cannot include two writes to one item") }

    private struct ItemAddress: Hashable {
        var table: String
        var key: Key
    }
}
