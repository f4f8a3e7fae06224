/// One read of a ``TableStore/read(_:)`` batch.
public enum ReadRequest: Sendable, Hashable {
    /// The item with this key, or `nil` (as ``TableStore/get(_:from:)``).
    case get(Key, from: TableSchema)
    /// One page of a partition (as ``TableStore/query(_:)``).
    case query(Query)

    /// Checks what the single read would check, before anything is read.
    public func validate() throws(TableError) {
        switch self {
        case .get(let key, let table): try table.validate(key)
        case .query(let query): try query.validate()
        }
    }
}

/// What one read of a batch found, at the request's position.
public enum ReadResult: Sendable, Hashable {
    /// The answer to a `.get`.
    case item(Item?)
    /// The answer to a `.query`.
    case page(QueryPage)

    /// The item a `.get` found; `nil` for a missing item or a query's result.
    public var item: Item? {
        if case .item(let item) = self { return item }
        return nil
    }

    /// The page a `.query` read; an empty page for a get's result.
    public var page: QueryPage {
        if case .page(let page) = self { return page }
        return QueryPage(items: [], nextCursor: nil)
    }
}

extension TableStore {
    /// The batch read one request after another: right for any backend, and what a backend
    /// without a better way uses.
    public func readEach(_ requests: [ReadRequest]) async throws(TableError) -> [ReadResult] {
        for request in requests { try request.validate() }
        var results: [ReadResult] = []
        results.reserveCapacity(requests.count)
        for request in requests {
            switch request {
            case .get(let key, let table): results.append(.item(try await get(key, from: table)))
            case .query(let query): results.append(.page(try await self.query(query)))
            }
        }
        return results
    }
}
