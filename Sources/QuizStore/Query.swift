/// A query over one partition, ordered by sort key
/// ([Query](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html)).
public struct Query: Sendable, Hashable {
    /// The table queried.
    public var table: TableSchema
    /// The partition key value.
    public var partition: String
    /// A condition on the sort key; `nil` matches the whole partition.
    public var sortKey: SortKeyCondition?
    /// Ascending sort-key order when true (the default), descending otherwise.
    public var ascending: Bool
    /// The most items one page holds; `nil` for the backend's own page size.
    public var limit: Int?
    /// Where the page starts: the `nextCursor` of the previous page.
    public var cursor: Cursor?

    /// A query.
    public init(
        _ table: TableSchema, partition: String, sortKey: SortKeyCondition? = nil,
        ascending: Bool = true, limit: Int? = nil, cursor: Cursor? = nil
    ) {
        self.table = table
        self.partition = partition
        self.sortKey = sortKey
        self.ascending = ascending
        self.limit = limit
        self.cursor = cursor
    }

    /// Checks what every backend refuses: an empty partition, a table without sort key, a bad limit.
    public func validate() throws(TableError) {
        guard !partition.isEmpty else { throw .validation("partition key must not be empty") }
        if sortKey != nil, table.sortKey == nil { throw .validation("table '\(table.name)' has no sort key") }
        if let limit, limit < 1 { throw .validation("limit must be at least 1") }
        if case .between(let low, let high)? = sortKey, low.utf8.lexicographicallyPrecedes(high.utf8) == false, low != high {
            throw .validation("between needs its lower bound first")
        }
    }
}

/// A condition on the sort key of a query. Sort keys compare by their UTF-8 bytes, as DynamoDB compares strings.
public enum SortKeyCondition: Sendable, Hashable {
    case equals(String)
    case beginsWith(String)
    /// Inclusive on both ends.
    case between(String, String)
    case lessThan(String)
    case lessThanOrEqual(String)
    case greaterThan(String)
    case greaterThanOrEqual(String)

    /// Whether a sort key value satisfies the condition.
    public func matches(_ sort: String) -> Bool {
        let value = Array(sort.utf8)
        func less(_ a: [UInt8], _ b: [UInt8]) -> Bool { a.lexicographicallyPrecedes(b) }
        switch self {
        case .equals(let other): return sort == other
        case .beginsWith(let prefix): return value.starts(with: prefix.utf8)
        case .between(let low, let high): return !less(value, Array(low.utf8)) && !less(Array(high.utf8), value)
        case .lessThan(let bound): return less(value, Array(bound.utf8))
        case .lessThanOrEqual(let bound): return !less(Array(bound.utf8), value)
        case .greaterThan(let bound): return less(Array(bound.utf8), value)
        case .greaterThanOrEqual(let bound): return !less(value, Array(bound.utf8))
        }
    }
}

/// One page of query results.
public struct QueryPage: Sendable, Hashable {
    /// The items, in the query's order.
    public var items: [Item]
    /// Where the next page starts; `nil` when there is none. A backend may hand out a cursor
    /// whose page turns out empty, as DynamoDB does when a page ends exactly at the last item.
    public var nextCursor: Cursor?

    /// A page.
    public init(items: [Item], nextCursor: Cursor?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// An opaque position in a query's results, safe to hand to clients: it names the last key
/// returned and is checked against the partition of the query it is used with.
public struct Cursor: Sendable, Hashable, CustomStringConvertible {
    /// The cursor's text form (base64url).
    public let token: String

    /// A cursor from the text a client sent back.
    public init(token: String) { self.token = token }

    /// The cursor that resumes after this key.
    public init(after key: Key) {
        var bytes: [UInt8] = [1]
        ItemCodec.appendString(key.partition, to: &bytes)
        ItemCodec.appendString(key.sort ?? "", to: &bytes)
        token = Base64URL.encode(bytes)
    }

    /// The key this cursor resumes after, or a validation error for a malformed or foreign cursor.
    public func key(in query: Query) throws(TableError) -> Key {
        guard let bytes = Base64URL.decode(token), bytes.first == 1 else { throw .validation("malformed cursor") }
        let decoded = bytes.withUnsafeBufferPointer { buffer -> (String, String)? in
            var reader = ItemCodec.Reader(buffer)
            reader.position = 1
            guard let partition = try? reader.readString(), let sort = try? reader.readString(), reader.isAtEnd else { return nil }
            return (partition, sort)
        }
        guard let (partition, sort) = decoded, partition == query.partition else { throw .validation("malformed cursor") }
        return Key(partition, query.table.sortKey == nil ? nil : sort)
    }

    public var description: String { token }
}
