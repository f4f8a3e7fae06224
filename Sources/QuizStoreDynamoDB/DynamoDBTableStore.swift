import FoundationEssentials
import QuizStore
import StrictJSON

/// The table backend over Amazon DynamoDB, or any server that speaks its JSON protocol
/// (`dynamodb://REGION[?endpoint=URL&prefix=NAME-]`, README, "Configuration").
///
/// Each ``TableSchema`` is one DynamoDB table, named with the configuration's prefix, whose
/// partition and sort keys are strings (``createTables(_:)`` makes them). Conditions and
/// updates travel as expressions built by ``ExpressionBuilder``, so DynamoDB checks and applies
/// them atomically; the semantics are those of the SQLite backend, checked by one conformance
/// suite. Two things DynamoDB does not do by itself are done here:
///
/// - **TTL.** DynamoDB deletes expired items only eventually (within days), so every read drops
///   items whose TTL attribute is before ``DynamoDBConfiguration/currentTime``. Conditions still
///   see them, as DynamoDB's do.
/// - **64-bit additions.** DynamoDB numbers have 38 digits; the table layer's integers have 64
///   bits. An update that adds an integer carries a guard condition, so a sum that would not
///   fit is refused, never stored.
///
/// Requests go out on the transport's own threads while the caller suspends (see
/// docs/storage-threads.md); at most ``DynamoDBConfiguration/connections`` are in flight at once.
public final class DynamoDBTableStore: TableStore {
    /// The settings the store was opened with.
    public let configuration: DynamoDBConfiguration
    let transport: Transport

    /// A store with these settings. Sends nothing: the tables must exist already (see
    /// ``createTables(_:)``), and ``ping()`` checks that the endpoint answers.
    public init(configuration: DynamoDBConfiguration) throws(TableError) {
        guard configuration.defaultPageSize > 0 else { throw .validation("the default page size must be at least 1") }
        self.configuration = configuration
        self.transport = try Transport(configuration: configuration)
    }

    /// The store a `dynamodb://` URL names, with credentials from the environment; see
    /// ``DynamoDBConfiguration/init(url:environment:)``.
    public convenience init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(TableError) {
        try self.init(configuration: DynamoDBConfiguration(url: url, environment: environment))
    }

    // MARK: - Single items

    public func get(_ key: Key, from table: TableSchema) async throws(TableError) -> Item? {
        try table.validate(key)
        let name = configuration.tableName(of: table)
        // ConsistentRead: a read right after a write must see it, as it does on SQLite
        // (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_GetItem.html).
        let response = try await transport.send(
            "GetItem", ["TableName": .string(name), "Key": DynamoDBJSON.encode(key, in: table), "ConsistentRead": .bool(true)],
            table: name)
        guard let json = response["Item"] else { return nil }
        let item = try Self.item(json)
        return isLive(item, in: table, now: configuration.currentTime()) ? item : nil
    }

    public func put(_ item: Item, into table: TableSchema, if condition: Condition?) async throws(TableError) {
        // Checked here first, with the table layer's size rule, so every backend refuses the same items.
        try WriteValidation.check(item, for: table)
        let name = configuration.tableName(of: table)
        var request: [String: JSONValue] = ["TableName": .string(name), "Item": DynamoDBJSON.encode(item)]
        var builder = ExpressionBuilder()
        try Self.add(condition, in: table, with: &builder, to: &request)
        builder.addAttributeMaps(to: &request)
        _ = try await transport.send("PutItem", request, table: name)
    }

    @discardableResult
    public func delete(_ key: Key, from table: TableSchema, if condition: Condition?) async throws(TableError) -> Item? {
        try table.validate(key)
        let name = configuration.tableName(of: table)
        var request: [String: JSONValue] = [
            "TableName": .string(name), "Key": DynamoDBJSON.encode(key, in: table), "ReturnValues": .string("ALL_OLD"),
        ]
        var builder = ExpressionBuilder()
        try Self.add(condition, in: table, with: &builder, to: &request)
        builder.addAttributeMaps(to: &request)
        let response = try await transport.send("DeleteItem", request, table: name)
        return try response["Attributes"].map(Self.item)
    }

    /// DynamoDB deletes items whose TTL attribute has passed by itself, within days
    /// ([TTL](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html));
    /// reads already hide them. `removeExpired` scans the whole table: for tests and one-off use.
    public var expiresItemsItself: Bool { true }

    // MARK: - Health

    /// Lists at most one table: the cheapest call that proves the endpoint answers and accepts
    /// the credentials ([ListTables](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ListTables.html)).
    public func ping() async throws(TableError) {
        _ = try await transport.send("ListTables", ["Limit": .integer(1)])
    }

    // MARK: - Shared pieces

    /// Adds `ConditionExpression` for `condition`, asking DynamoDB to return the item when the
    /// condition fails, so `conditionFailed` carries it without a second read
    /// ([ReturnValuesOnConditionCheckFailure](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html#DDB-PutItem-request-ReturnValuesOnConditionCheckFailure)).
    static func add(
        _ condition: Condition?, in table: TableSchema, with builder: inout ExpressionBuilder, to request: inout [String: JSONValue]
    ) throws(TableError) {
        guard let condition else { return }
        request["ConditionExpression"] = .string(try builder.condition(condition, in: table))
        request["ReturnValuesOnConditionCheckFailure"] = .string("ALL_OLD")
    }

    /// The item of a wire-form item from a response.
    static func item(_ json: JSONValue) throws(TableError) -> Item {
        do {
            return try DynamoDBJSON.decodeItem(json)
        } catch {
            throw TableError(.backendFailure, "DynamoDB returned an item the table layer cannot read: \(error)", underlying: error)
        }
    }

    /// Whether a read may return the item: it has no expiry, or its expiry is not before `now`.
    func isLive(_ item: Item, in table: TableSchema, now: Int64) -> Bool {
        guard let expiry = table.expiry(of: item) else { return true }
        return expiry >= now
    }
}
