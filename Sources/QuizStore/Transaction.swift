/// One write of a transaction
/// ([TransactWriteItems](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html)).
public enum TransactionWrite: Sendable, Hashable {
    /// Puts an item, when the condition holds.
    case put(Item, into: TableSchema, if: Condition? = nil)
    /// Updates (or creates) an item, when the condition holds.
    case update(Key, in: TableSchema, [UpdateAction], if: Condition? = nil)
    /// Deletes an item, when the condition holds.
    case delete(Key, from: TableSchema, if: Condition? = nil)
    /// Writes nothing, but the whole transaction needs the condition to hold.
    case conditionCheck(Key, in: TableSchema, Condition)

    /// The table written.
    public var table: TableSchema {
        switch self {
        case .put(_, let table, _), .update(_, let table, _, _), .delete(_, let table, _), .conditionCheck(_, let table, _): table
        }
    }

    /// The condition, if any.
    public var condition: Condition? {
        switch self {
        case .put(_, _, let condition), .update(_, _, _, let condition), .delete(_, _, let condition): condition
        case .conditionCheck(_, _, let condition): condition
        }
    }

    /// The key of the item written.
    public func key() throws(TableError) -> Key {
        switch self {
        case .put(let item, let table, _): return try table.key(of: item)
        case .update(let key, let table, _, _), .delete(let key, let table, _), .conditionCheck(let key, let table, _):
            try table.validate(key)
            return key
        }
    }

    /// The most writes one transaction may hold, as in DynamoDB.
    public static let maximumCount = 100
}

/// Why one write of a cancelled transaction failed.
public struct CancellationReason: Sendable, Hashable {
    /// What went wrong with this write; `.none` for writes that were fine.
    public enum Code: String, Sendable, Hashable {
        case none = "None"
        case conditionFailed = "ConditionalCheckFailed"
        case validation = "ValidationError"
        case itemTooLarge = "ItemCollectionSizeLimitExceeded"
        case transactionConflict = "TransactionConflict"
        case throttled = "ThrottlingError"
    }

    /// What went wrong.
    public var code: Code
    /// For a failed condition, the item as it is (`nil` when it does not exist).
    public var item: Item?
    /// A human-readable explanation.
    public var message: String?

    /// A reason.
    public init(code: Code, item: Item? = nil, message: String? = nil) {
        self.code = code
        self.item = item
        self.message = message
    }

    /// The reason of a write that did not fail.
    public static let none = CancellationReason(code: .none)
}

/// One write of a batch write: a put or a delete, without conditions, as DynamoDB's BatchWriteItem.
public enum BatchWrite: Sendable, Hashable {
    case put(Item)
    case delete(Key)
}
