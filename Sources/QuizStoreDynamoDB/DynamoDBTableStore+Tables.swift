import QuizStore
import StrictJSON

extension DynamoDBTableStore {
    /// Creates the tables of these schemas that do not exist yet, waits until every one is
    /// active, and turns on DynamoDB's TTL for those with a TTL attribute. Safe to run again:
    /// existing tables and TTL settings that match are left as they are.
    ///
    /// Keys are strings (`S`), billing is on demand, so no capacity needs planning
    /// ([CreateTable](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html)).
    public func createTables(_ schemas: [TableSchema]) async throws(TableError) {
        // All creations first: DynamoDB creates tables in parallel, so the waits overlap.
        for schema in schemas { try await create(schema) }
        for schema in schemas {
            try await waitUntilActive(schema)
            try await enableTimeToLive(schema)
        }
    }

    private func create(_ schema: TableSchema) async throws(TableError) {
        var definitions: [JSONValue] = [.object(["AttributeName": .string(schema.partitionKey), "AttributeType": .string("S")])]
        var keySchema: [JSONValue] = [.object(["AttributeName": .string(schema.partitionKey), "KeyType": .string("HASH")])]
        if let sortKey = schema.sortKey {
            definitions.append(.object(["AttributeName": .string(sortKey), "AttributeType": .string("S")]))
            keySchema.append(.object(["AttributeName": .string(sortKey), "KeyType": .string("RANGE")]))
        }
        let name = configuration.tableName(of: schema)
        do throws(TableError) {
            _ = try await transport.send(
                "CreateTable",
                [
                    "TableName": .string(name), "AttributeDefinitions": .array(definitions), "KeySchema": .array(keySchema),
                    "BillingMode": .string("PAY_PER_REQUEST"),
                ], table: name)
        } catch where Self.dynamoDBType(of: error) == "ResourceInUseException" {
            // The table exists already (or is being created): its status is checked next.
        }
    }

    /// Polls `DescribeTable` until the table is `ACTIVE`: a new table takes seconds to minutes.
    private func waitUntilActive(_ schema: TableSchema) async throws(TableError) {
        let name = configuration.tableName(of: schema)
        let deadline = ContinuousClock.now + configuration.tableActivationTimeout
        var pause = Duration.milliseconds(50)
        while true {
            let response = try await transport.send("DescribeTable", ["TableName": .string(name)], table: name)
            let status = response["Table"]?["TableStatus"]?.stringValue
            if status == "ACTIVE" { return }
            guard ContinuousClock.now < deadline else {
                throw TableError(.timeout, "table '\(name)' is still \(status ?? "in an unknown state") after \(configuration.tableActivationTimeout)")
            }
            do {
                try await Task.sleep(for: pause)
            } catch {
                throw TableError(.timeout, "cancelled while waiting for table '\(name)' to become active")
            }
            pause = min(pause * 2, .seconds(2))
        }
    }

    /// Turns on TTL for the schema's attribute unless it is on already
    /// ([UpdateTimeToLive](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html)).
    /// DynamoDB refuses to turn it on twice, and allows one TTL attribute per table.
    private func enableTimeToLive(_ schema: TableSchema) async throws(TableError) {
        guard let attribute = schema.ttlAttribute else { return }
        let name = configuration.tableName(of: schema)
        let response = try await transport.send("DescribeTimeToLive", ["TableName": .string(name)], table: name)
        let description = response["TimeToLiveDescription"]
        switch description?["TimeToLiveStatus"]?.stringValue {
        case "ENABLED", "ENABLING":
            guard description?["AttributeName"]?.stringValue == attribute else {
                throw .validation("table '\(name)' has TTL on another attribute than '\(attribute)'")
            }
        default:
            _ = try await transport.send(
                "UpdateTimeToLive",
                [
                    "TableName": .string(name),
                    "TimeToLiveSpecification": .object(["AttributeName": .string(attribute), "Enabled": .bool(true)]),
                ], table: name)
        }
    }

    /// Turns on point-in-time recovery (continuous backups) for the table, unless it is on already
    /// ([UpdateContinuousBackups](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateContinuousBackups.html)).
    /// The deployment template keeps it on for the tables whose data outlives the stack.
    ///
    /// Synchronous, for the command line's `create-tables`: it blocks the calling thread for its
    /// two round trips, on an HTTP client of its own (see `Transport.sendBlocking`).
    public func enablePointInTimeRecovery(_ schema: TableSchema) throws(TableError) {
        let name = configuration.tableName(of: schema)
        let response = try transport.sendBlocking("DescribeContinuousBackups", ["TableName": .string(name)], table: name)
        let status = response["ContinuousBackupsDescription"]?["PointInTimeRecoveryDescription"]?["PointInTimeRecoveryStatus"]?.stringValue
        guard status != "ENABLED" else { return }
        _ = try transport.sendBlocking(
            "UpdateContinuousBackups",
            [
                "TableName": .string(name),
                "PointInTimeRecoverySpecification": .object(["PointInTimeRecoveryEnabled": .bool(true)]),
            ], table: name)
    }

    /// The exception name of DynamoDB's answer behind an error, if DynamoDB answered.
    static func dynamoDBType(of error: TableError) -> String? {
        (error.underlying as? DynamoDBError)?.type
    }
}
