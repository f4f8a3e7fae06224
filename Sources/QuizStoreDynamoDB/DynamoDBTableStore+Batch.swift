import QuizStore
import StrictJSON

extension DynamoDBTableStore {
    // MARK: - Read batch

    /// Sends every read at once (`GetItem` and `Query`, each on its own connection lane when one
    /// is free) and answers in request order: one round trip's wait for the batch, not one per
    /// read. DynamoDB has no snapshot across requests, so each read is consistent on its own. The
    /// first error, in request order, is the batch's.
    public func read(_ requests: [ReadRequest]) async throws(TableError) -> [ReadResult] {
        for request in requests { try request.validate() }
        guard requests.count > 1 else { return try await readEach(requests) }
        // Each child answers with its position; a position outside the batch, a missing or a
        // repeated answer is the batch's failure, never a trap (a read batch answers exactly one
        // result per request or throws). Typed throws stay out of the children: in release builds
        // (Swift 6.3.1, -O) children returning `(Int, Result<…, TableError>)` from a
        // `do throws(TableError)` block handed back wrong positions, and the batch trapped on an
        // index out of range or lost results (found by `make bench-chaos`).
        let outcomes = await withTaskGroup(of: PositionedRead.self) { group in
            for (position, request) in requests.enumerated() {
                group.addTask { await PositionedRead(position: position, outcome: self.readOne(request)) }
            }
            var outcomes = [Result<ReadResult, TableError>?](repeating: nil, count: requests.count)
            for await read in group where outcomes.indices.contains(read.position) && outcomes[read.position] == nil {
                outcomes[read.position] = read.outcome
            }
            return outcomes
        }
        var results: [ReadResult] = []
        results.reserveCapacity(requests.count)
        for outcome in outcomes {
            guard let outcome else {
                throw TableError(.backendFailure, "a read batch of \(requests.count) requests is missing a result")
            }
            results.append(try outcome.get())
        }
        return results
    }

    /// One read of a batch, its error kept as a value.
    private func readOne(_ request: ReadRequest) async -> Result<ReadResult, TableError> {
        do {
            switch request {
            case .get(let key, let table): return .success(.item(try await get(key, from: table)))
            case .query(let query): return .success(.page(try await self.query(query)))
            }
        } catch {
            return .failure(error)
        }
    }

    // MARK: - Batch get

    /// Reads the keys in `BatchGetItem` requests of at most 100 keys, with consistent reads,
    /// dropping expired items. Repeated keys are read once: DynamoDB refuses a request that
    /// names one key twice
    /// ([BatchGetItem](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html)).
    public func batchGet(_ keys: [Key], from table: TableSchema) async throws(TableError) -> [Item] {
        for key in keys { try table.validate(key) }
        let unique = Array(Set(keys))
        let name = configuration.tableName(of: table)
        let now = configuration.currentTime()
        var items: [Item] = []
        for start in stride(from: 0, to: unique.count, by: WriteValidation.batchGetChunk) {
            let chunk = unique[start..<min(start + WriteValidation.batchGetChunk, unique.count)]
            let requestItems: JSONValue = .object([
                name: .object(["Keys": .array(chunk.map { DynamoDBJSON.encode($0, in: table) }), "ConsistentRead": .bool(true)])
            ])
            let responses = try await untilProcessed("BatchGetItem", requestItems, leftOver: "UnprocessedKeys", table: name)
            for response in responses {
                for json in response["Responses"]?[name]?.arrayValue ?? [] {
                    let item = try Self.item(json)
                    if isLive(item, in: table, now: now) { items.append(item) }
                }
            }
        }
        return items
    }

    // MARK: - Batch write

    /// Writes in `BatchWriteItem` requests of at most 25 puts and deletes, after checking every
    /// write, so a bad one anywhere in the batch stops it before anything is sent
    /// ([BatchWriteItem](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html)).
    ///
    /// DynamoDB applies each write of a request on its own and may leave some unprocessed under
    /// load; those are resent until none is left, so a chunk ends written whole unless the
    /// retries run out (`throttled`), the one case where part of a chunk stays unwritten.
    public func batchWrite(_ writes: [BatchWrite], in table: TableSchema) async throws(TableError) {
        var keys = Set<Key>()
        var requests: [JSONValue] = []
        requests.reserveCapacity(writes.count)
        for write in writes {
            let key: Key
            switch write {
            case .put(let item):
                key = try WriteValidation.check(item, for: table)
                requests.append(.object(["PutRequest": .object(["Item": DynamoDBJSON.encode(item)])]))
            case .delete(let deleted):
                try table.validate(deleted)
                key = deleted
                requests.append(.object(["DeleteRequest": .object(["Key": DynamoDBJSON.encode(deleted, in: table)])]))
            }
            // DynamoDB refuses a request that touches one item twice; refused for the whole
            // batch, not only within a chunk, as the SQLite backend does.
            guard keys.insert(key).inserted else { throw .validation("a batch write cannot touch one item twice") }
        }
        let name = configuration.tableName(of: table)
        for start in stride(from: 0, to: requests.count, by: WriteValidation.batchWriteChunk) {
            let chunk = Array(requests[start..<min(start + WriteValidation.batchWriteChunk, requests.count)])
            _ = try await untilProcessed("BatchWriteItem", .object([name: .array(chunk)]), leftOver: "UnprocessedItems", table: name)
        }
    }

    // MARK: - Unprocessed entries

    /// Sends a batch request, then resends whatever the answer's `leftOver` member holds (it has
    /// the shape of `RequestItems`) until nothing is left, with exponential backoff and full
    /// jitter between attempts, as AWS advises for unprocessed entries
    /// ([batch operations](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html#Programming.Errors.BatchOperations),
    /// [backoff and jitter](https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/)).
    /// Returns every answer; after ``DynamoDBConfiguration/batchAttempts`` sends, fails with `throttled`.
    func untilProcessed(
        _ operation: String, _ requestItems: JSONValue, leftOver: String, table: String
    ) async throws(TableError) -> [JSONValue] {
        var pending = requestItems
        var responses: [JSONValue] = []
        let attempts = max(1, configuration.batchAttempts)
        for attempt in 0..<attempts {
            if attempt > 0 { try await backOff(before: attempt, operation: operation) }
            let response = try await transport.send(operation, ["RequestItems": pending], table: table)
            responses.append(response)
            guard let unprocessed = response[leftOver], let tables = unprocessed.objectValue, !tables.isEmpty else {
                return responses
            }
            pending = unprocessed
        }
        throw TableError(
            .throttled, "DynamoDB left part of a \(operation) unprocessed after \(attempts) attempts",
            retryAfter: (configuration.batchBackoff * (1 << min(attempts, 16))).inSeconds)
    }

    /// Sleeps a random time between zero and the backoff for this attempt: the base, doubled
    /// per attempt, at most 5 seconds.
    private func backOff(before attempt: Int, operation: String) async throws(TableError) {
        let ceiling = min(configuration.batchBackoff * (1 << min(attempt - 1, 16)), .seconds(5))
        do {
            try await Task.sleep(for: ceiling * Double.random(in: 0...1))
        } catch {
            throw TableError(.throttled, "cancelled while waiting to resend the unprocessed part of a \(operation)")
        }
    }
}

extension Duration {
    /// The duration in seconds, as a double.
    fileprivate var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// One answer of a read batch's child task, at its position in the batch.
private struct PositionedRead: Sendable {
    let position: Int
    let outcome: Result<ReadResult, TableError>
}
