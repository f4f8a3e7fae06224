import QuizResilience
import QuizStore
import Testing

@Suite struct ResilientTableStoreTests {
    let clock = ManualClock()
    let policy = RetryPolicy(base: .milliseconds(100), cap: .seconds(1), maximumAttempts: 3)

    func wrap(_ backend: FlakyTableStore, policy: RetryPolicy? = nil) -> ResilientTableStore {
        ResilientTableStore(wrapping: backend, retryPolicy: policy ?? self.policy, clock: clock, random: ScriptedRandom([1.0]))
    }

    /// Every method of the protocol, to check that none bypasses the wrapper.
    enum Method: String, CaseIterable, CustomTestStringConvertible {
        case get, put, update, delete, query, batchGet, batchWrite, transactWrite, removeExpired, ping

        var testDescription: String { rawValue }

        func call(_ store: some TableStore) async throws(TableError) {
            let (table, key, item) = (FlakyTableStore.table, FlakyTableStore.key, FlakyTableStore.item)
            switch self {
            case .get: _ = try await store.get(key, from: table)
            case .put: try await store.put(item, into: table, if: .itemExists)
            case .update: try await store.update(key, in: table, [.add("score", 1)], if: nil)
            case .delete: try await store.delete(key, from: table, if: nil)
            case .query: _ = try await store.query(Query(table, partition: key.partition))
            case .batchGet: _ = try await store.batchGet([key], from: table)
            case .batchWrite: try await store.batchWrite([.put(item), .delete(key)], in: table)
            case .transactWrite: try await store.transactWrite([.put(item, into: table)])
            case .removeExpired: _ = try await store.removeExpired(from: table, now: 1_700_000_000, limit: 25)
            case .ping: try await store.ping()
            }
        }
    }

    // MARK: - Retries

    @Test func retriesABusyBackendUntilItAnswers() async throws {
        let backend = FlakyTableStore(failures: 2, with: .of(.busy))
        let store = wrap(backend)
        let item = try await store.get(FlakyTableStore.key, from: FlakyTableStore.table)
        #expect(item == FlakyTableStore.item)
        #expect(backend.calls == 3)
        #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200)])
        // Two retries paid 5 tokens each; the success refunds only the last one, as the SDKs do.
        #expect(store.executor.availableRetryTokens == 495)
    }

    @Test(arguments: Method.allCases)
    func everyMethodIsRetried(method: Method) async throws {
        let backend = FlakyTableStore(failures: 1, with: .of(.throttled))
        try await method.call(wrap(backend))
        #expect(backend.calls == 2)
        #expect(clock.sleeps == [.milliseconds(100)])
    }

    @Test(arguments: Method.allCases)
    func everyMethodFailsFastWhileTheBreakerIsOpen(method: Method) async {
        let backend = FlakyTableStore(failures: .max, with: .of(.connectionFailure))
        let store = wrap(backend, policy: .never)
        for _ in 0..<10 { await #expect(throws: TableError.self) { try await store.ping() } }
        let error = await #expect(throws: TableError.self) { try await method.call(store) }
        #expect(error?.code == .unavailable)
        #expect(backend.calls == 10)
    }

    @Test func aConditionFailureIsReturnedAtOnce() async {
        let backend = FlakyTableStore(failures: 1, with: .of(.conditionFailed))
        let store = wrap(backend)
        let error = await #expect(throws: TableError.self) {
            try await store.put(FlakyTableStore.item, into: FlakyTableStore.table, if: .itemNotExists)
        }
        #expect(error?.code == .conditionFailed)
        #expect(backend.calls == 1)
        #expect(clock.sleeps.isEmpty)
    }

    // MARK: - Circuit breaker

    @Test func anOpenBreakerFailsFastWithoutCallingTheBackend() async throws {
        let backend = FlakyTableStore(failures: .max, with: .of(.timeout))
        let store = wrap(backend, policy: .never)
        for _ in 0..<10 {
            await #expect(throws: TableError.self) { try await store.ping() }
        }
        #expect(store.circuitBreaker?.state == .open(until: .seconds(5)))

        clock.advance(by: .seconds(2))
        let error = await #expect(throws: TableError.self) {
            try await store.get(FlakyTableStore.key, from: FlakyTableStore.table)
        }
        #expect(error?.code == .unavailable)
        #expect(error?.retryAfter == 3)
        #expect(backend.calls == 10)
    }

    @Test func aRecoveredBackendClosesTheBreakerThroughItsProbes() async throws {
        let backend = FlakyTableStore(failures: .max, with: .of(.backendFailure))
        let store = wrap(backend, policy: .never)
        for _ in 0..<10 {
            await #expect(throws: TableError.self) { try await store.ping() }
        }
        backend.heal()
        clock.advance(by: .seconds(5))
        for _ in 0..<3 { try await store.ping() }
        #expect(store.circuitBreaker?.state == .closed)
        #expect(backend.calls == 13)
    }

    @Test func withoutABreakerEveryCallReachesTheBackend() async {
        let backend = FlakyTableStore(failures: .max, with: .of(.backendFailure))
        let store = ResilientTableStore(wrapping: backend, retryPolicy: .never, circuitBreaker: nil, clock: clock)
        for _ in 0..<30 {
            await #expect(throws: TableError.self) { try await store.ping() }
        }
        #expect(store.circuitBreaker == nil)
        #expect(backend.calls == 30)
    }
}
