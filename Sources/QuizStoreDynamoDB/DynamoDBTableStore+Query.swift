import QuizStore
import StrictJSON

extension DynamoDBTableStore {
    // MARK: - Query

    /// One page of a partition, with the paging rules of the SQLite backend: at most `limit`
    /// live items, and a cursor exactly when more remain.
    ///
    /// DynamoDB's `Limit` caps the items it *reads*, before any filtering, and a page also ends
    /// at 1 MB ([Query](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html#DDB-Query-request-Limit)).
    /// Expired items are dropped here, after the read, so this asks for one item more than the
    /// page still needs and follows `LastEvaluatedKey` until the page is full plus one (there is
    /// more) or the partition ends (there is not). The cursor names the last key returned, so
    /// the next page starts right after it through `ExclusiveStartKey`, whichever items have
    /// expired or appeared since.
    public func query(_ query: Query) async throws(TableError) -> QueryPage {
        try query.validate()
        let table = query.table
        let name = configuration.tableName(of: table)
        let limit = query.limit ?? configuration.defaultPageSize
        let now = configuration.currentTime()
        var builder = ExpressionBuilder()
        var base: [String: JSONValue] = [
            "TableName": .string(name),
            "KeyConditionExpression": .string(try builder.keyCondition(for: query)),
            "ScanIndexForward": .bool(query.ascending),
            "ConsistentRead": .bool(true),
        ]
        builder.addAttributeMaps(to: &base)

        var start = try query.cursor.map { cursor throws(TableError) in DynamoDBJSON.encode(try cursor.key(in: query), in: table) }
        var items: [Item] = []
        while true {
            var request = base
            // Capped, as a page ends at 1 MB anyway and `limit` may be as large as Int.max.
            request["Limit"] = .integer(min(limit - items.count, 10_000) + 1)
            if let start { request["ExclusiveStartKey"] = start }
            let response = try await transport.send("Query", request, table: name)
            for json in response["Items"]?.arrayValue ?? [] {
                let item = try Self.item(json)
                if isLive(item, in: table, now: now) { items.append(item) }
            }
            if items.count > limit {
                items.removeLast(items.count - limit)
                return QueryPage(items: items, nextCursor: Cursor(after: try table.key(of: items[items.count - 1])))
            }
            guard let next = response["LastEvaluatedKey"] else {
                return QueryPage(items: items, nextCursor: nil)
            }
            start = next
        }
    }

    // MARK: - Expired items

    /// Finds expired items with a `Scan` filtered on the TTL attribute, then deletes each with
    /// the condition that it is still expired, so an item renewed in between survives.
    ///
    /// DynamoDB's own TTL deletes expired items too, but only within days and without a count
    /// ([TTL](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html));
    /// the sweep makes removal prompt and bounded, as on SQLite. A table without a TTL attribute
    /// has nothing to remove.
    public func removeExpired(from table: TableSchema, now: Int64, limit: Int) async throws(TableError) -> Int {
        guard limit > 0 else { throw .validation("limit must be at least 1") }
        guard let ttlAttribute = table.ttlAttribute else { return 0 }
        let name = configuration.tableName(of: table)
        let expired = Condition.compare(ttlAttribute, .lessThan, .int(now))

        var builder = ExpressionBuilder()
        var scan: [String: JSONValue] = ["TableName": .string(name), "ConsistentRead": .bool(true)]
        // A number comparison is false for a value of another type, so only numeric TTLs match,
        // as `TableSchema.expiry(of:)` reads them.
        scan["FilterExpression"] = .string(try builder.condition(expired, in: table))
        // Only the keys travel back: the items themselves may be up to 400 KB each.
        var projection = [try builder.name(table.partitionKey)]
        if let sortKey = table.sortKey { projection.append(try builder.name(sortKey)) }
        scan["ProjectionExpression"] = .string(projection.joined(separator: ", "))
        builder.addAttributeMaps(to: &scan)

        var deleted = 0
        var start: JSONValue?
        repeat {
            var request = scan
            if let start { request["ExclusiveStartKey"] = start }
            let response = try await transport.send("Scan", request, table: name)
            for json in response["Items"]?.arrayValue ?? [] {
                let key = try table.key(of: Self.item(json))
                if try await removeIfStillExpired(key, from: table, condition: expired) { deleted += 1 }
                if deleted == limit { return deleted }
            }
            start = response["LastEvaluatedKey"]
        } while start != nil
        return deleted
    }

    /// Deletes the item when `condition` (still expired) holds; false when it no longer does.
    private func removeIfStillExpired(_ key: Key, from table: TableSchema, condition: Condition) async throws(TableError) -> Bool {
        let name = configuration.tableName(of: table)
        var builder = ExpressionBuilder()
        var request: [String: JSONValue] = [
            "TableName": .string(name), "Key": DynamoDBJSON.encode(key, in: table),
            "ConditionExpression": .string(try builder.condition(condition, in: table)),
        ]
        builder.addAttributeMaps(to: &request)
        do throws(TableError) {
            _ = try await transport.send("DeleteItem", request, table: name)
            return true
        } catch where error.code == .conditionFailed {
            return false
        }
    }
}
