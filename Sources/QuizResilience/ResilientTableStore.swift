public import QuizStore

/// A `TableStore` that puts a circuit breaker and retries with jittered backoff around any other
/// one; callers see the same protocol and the same typed errors.
///
/// Every method of the protocol goes through one ``RetryExecutor``: each attempt asks the
/// breaker first (an open breaker fails fast with `unavailable` and no retry), the outcome of
/// each attempt is recorded in the breaker, and retryable errors (`TableError.isRetryable`) are
/// retried within the policy's attempts and the shared budget.
///
/// ```swift
/// let store = ResilientTableStore(wrapping: sqliteStore)
/// let item = try await store.get(key, from: sessions)
/// ```
///
/// Like the AWS SDKs, it retries writes too. A write that timed out may have been applied, so a
/// retry may meet its own first attempt: an unconditional put or delete is idempotent and
/// harmless to repeat, a conditional write then fails with `conditionFailed` (read the item and
/// decide), and an update that adds to a number should be made conditional on a version
/// attribute so that it cannot apply twice.
public struct ResilientTableStore: TableStore {
    /// The store every call goes to.
    public let base: any TableStore
    /// The retries, budget and breaker around every call.
    public let executor: RetryExecutor

    /// Wraps `base` in an executor made elsewhere, for instance one shared with other calls to the same backend.
    public init(wrapping base: any TableStore, executor: RetryExecutor) {
        self.base = base
        self.executor = executor
    }

    /// Wraps `base` in a new breaker and retry executor, all reading the same clock.
    /// - Parameters:
    ///   - base: The store every call goes to.
    ///   - retryPolicy: How many attempts and how long between them.
    ///   - retryBudget: The token bucket that caps retries across all calls to `base`.
    ///   - circuitBreaker: When the breaker trips and recovers; `nil` for no breaker.
    ///   - clock: The monotonic time for the breaker and the backoff sleeps.
    ///   - random: The draws behind the jitter.
    ///   - onTransition: Called each time the breaker opens or closes.
    public init(
        wrapping base: any TableStore,
        retryPolicy: RetryPolicy = RetryPolicy(),
        retryBudget: RetryBudget.Configuration = RetryBudget.Configuration(),
        circuitBreaker: CircuitBreaker.Configuration? = CircuitBreaker.Configuration(),
        clock: any ResilienceClock = SystemResilienceClock(),
        random: any ResilienceRandomSource = SystemResilienceRandomSource(),
        onTransition: @escaping @Sendable (CircuitBreaker.StateMachine.Transition) -> Void = { _ in }
    ) {
        let breaker = circuitBreaker.map { CircuitBreaker(configuration: $0, clock: clock, onTransition: onTransition) }
        self.init(
            wrapping: base,
            executor: RetryExecutor(policy: retryPolicy, budget: retryBudget, circuitBreaker: breaker, clock: clock, random: random))
    }

    /// The breaker around `base`, if any.
    public var circuitBreaker: CircuitBreaker? { executor.circuitBreaker }

    /// Whether `base` deletes expired items by itself.
    public var expiresItemsItself: Bool { base.expiresItemsItself }

    // MARK: - TableStore

    /// The item with this key, or `nil`, read with retries.
    public func get(_ key: Key, from table: TableSchema) async throws(TableError) -> Item? {
        try await executor.run { () async throws(TableError) -> Item? in try await base.get(key, from: table) }
    }

    /// Writes the item whole when the condition holds, with retries.
    public func put(_ item: Item, into table: TableSchema, if condition: Condition?) async throws(TableError) {
        try await executor.run { () async throws(TableError) in try await base.put(item, into: table, if: condition) }
    }

    /// Applies the actions when the condition holds and returns the item as written, with retries.
    @discardableResult
    public func update(
        _ key: Key, in table: TableSchema, _ actions: [UpdateAction], if condition: Condition?
    ) async throws(TableError) -> Item {
        try await executor.run { () async throws(TableError) -> Item in
            try await base.update(key, in: table, actions, if: condition)
        }
    }

    /// Deletes the item when the condition holds and returns what was deleted, with retries.
    @discardableResult
    public func delete(_ key: Key, from table: TableSchema, if condition: Condition?) async throws(TableError) -> Item? {
        try await executor.run { () async throws(TableError) -> Item? in try await base.delete(key, from: table, if: condition) }
    }

    /// One page of the items of a partition, read with retries.
    public func query(_ query: Query) async throws(TableError) -> QueryPage {
        try await executor.run { () async throws(TableError) -> QueryPage in try await base.query(query) }
    }

    /// Several independent reads in request order, with retries. A retry reads the whole batch again.
    public func read(_ requests: [ReadRequest]) async throws(TableError) -> [ReadResult] {
        try await executor.run { () async throws(TableError) -> [ReadResult] in try await base.read(requests) }
    }

    /// The items with these keys that exist, read with retries. A retry reads every key again.
    public func batchGet(_ keys: [Key], from table: TableSchema) async throws(TableError) -> [Item] {
        try await executor.run { () async throws(TableError) -> [Item] in try await base.batchGet(keys, from: table) }
    }

    /// Puts and deletes without conditions, with retries; repeating them is harmless.
    public func batchWrite(_ writes: [BatchWrite], in table: TableSchema) async throws(TableError) {
        try await executor.run { () async throws(TableError) in try await base.batchWrite(writes, in: table) }
    }

    /// Writes all or nothing, with retries when the transaction was cancelled only by conflicts or
    /// throttling, or its reply was lost. Every attempt carries the same `token`, so an attempt
    /// that committed before its reply was lost is not applied a second time by the next.
    public func transactWrite(_ writes: [TransactionWrite], token: TransactionToken?) async throws(TableError) {
        try await executor.run { () async throws(TableError) in try await base.transactWrite(writes, token: token) }
    }

    /// Deletes up to `limit` expired items and returns how many, with retries.
    public func removeExpired(from table: TableSchema, now: Int64, limit: Int) async throws(TableError) -> Int {
        try await executor.run { () async throws(TableError) -> Int in
            try await base.removeExpired(from: table, now: now, limit: limit)
        }
    }

    /// Checks that the backend answers; an open breaker answers `unavailable` without asking it.
    public func ping() async throws(TableError) {
        try await executor.run { () async throws(TableError) in try await base.ping() }
    }
}
