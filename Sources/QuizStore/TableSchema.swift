/// The shape of one table: its name, the attributes that form the primary key, and the TTL attribute.
///
/// Key attributes hold strings. A table has a partition key and, optionally, a sort key, as a
/// DynamoDB table does ([core components](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.CoreComponents.html)).
public struct TableSchema: Sendable, Hashable {
    /// The table's name, before any backend prefix.
    public var name: String
    /// The partition key attribute.
    public var partitionKey: String
    /// The sort key attribute, when the table has one.
    public var sortKey: String?
    /// The attribute holding an expiry time in epoch seconds; an item whose time has passed is
    /// invisible to reads and removed by a sweep.
    public var ttlAttribute: String?

    /// A table schema.
    public init(name: String, partitionKey: String = "pk", sortKey: String? = "sk", ttlAttribute: String? = nil) {
        self.name = name
        self.partitionKey = partitionKey
        self.sortKey = sortKey
        self.ttlAttribute = ttlAttribute
    }

    /// The key of an item of this table, or a validation error when its key attributes are missing or not strings.
    public func key(of item: Item) throws(TableError) -> Key {
        guard let partition = item.string(partitionKey), !partition.isEmpty else {
            throw .validation("item has no string partition key '\(partitionKey)'")
        }
        guard let sortKey else { return Key(partition) }
        guard let sort = item.string(sortKey), !sort.isEmpty else {
            throw .validation("item has no string sort key '\(sortKey)'")
        }
        return Key(partition, sort)
    }

    /// Checks that a key fits this table's key schema.
    public func validate(_ key: Key) throws(TableError) {
        guard !key.partition.isEmpty else { throw .validation("partition key must not be empty") }
        switch (sortKey, key.sort) {
        case (nil, nil): return
        case (.some, .some(let sort)) where !sort.isEmpty: return
        case (.some(let name), _): throw .validation("key needs a non-empty sort key '\(name)'")
        case (nil, .some): throw .validation("table '\(self.name)' has no sort key")
        }
    }

    /// The key attributes of an item with this key.
    public func attributes(of key: Key) -> [String: AttributeValue] {
        var attributes: [String: AttributeValue] = [partitionKey: .string(key.partition)]
        if let sortKey, let sort = key.sort { attributes[sortKey] = .string(sort) }
        return attributes
    }

    /// The expiry time of an item in epoch seconds, when the table has a TTL attribute and the item a number in it.
    public func expiry(of item: Item) -> Int64? {
        guard let ttlAttribute, let number = item[ttlAttribute]?.numberValue else { return nil }
        return number.intValue ?? Int64(number.doubleValue.rounded(.down))
    }
}

/// The primary key of an item: a partition key and, for tables with one, a sort key.
public struct Key: Sendable, Hashable, CustomStringConvertible {
    /// The partition key value.
    public var partition: String
    /// The sort key value, for tables with a sort key.
    public var sort: String?

    /// A key.
    public init(_ partition: String, _ sort: String? = nil) {
        self.partition = partition
        self.sort = sort
    }

    public var description: String { sort.map { "\(partition)|\($0)" } ?? partition }
}
