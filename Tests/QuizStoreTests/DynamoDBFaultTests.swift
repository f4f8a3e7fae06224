import Foundation
import QuizResilience
import QuizStore
import QuizStoreDynamoDB
import QuizTestSupport
import Testing

/// The DynamoDB backend behind the resilience layer, against moto behind a fault-injecting proxy:
/// transient faults are retried with jitter until the call succeeds, the retry budget stops a
/// retry storm, and the circuit breaker opens under a sustained outage and closes once the
/// server recovers. Each test has a proxy of its own; the tables are created on moto directly.
@Suite("DynamoDB under injected faults")
struct DynamoDBFaultTests {
    /// A proxy in front of the shared moto server, and tables of this test's own.
    struct Rig {
        let server: MotoServer
        let proxy: FaultProxy
        /// Straight to moto, for setting up and checking what was written.
        let direct: DynamoDBTableStore
        let prefix: String

        init() async throws {
            server = try MotoServer.shared()
            proxy = try FaultProxy(upstream: server)
            prefix = MotoServer.uniquePrefix()
            direct = try DynamoDBTableStore(configuration: server.configuration(prefix: prefix))
            try await direct.createTables([Tables.main])
        }

        /// The backend under test, sending every request through the proxy.
        func backend(timeout: Duration = .seconds(10), configure: (inout DynamoDBConfiguration) -> Void = { _ in }) throws -> DynamoDBTableStore {
            var configuration = server.configuration(prefix: prefix)
            configuration.endpoint = proxy.endpoint
            configuration.requestTimeout = timeout
            configuration.batchBackoff = .milliseconds(5)
            configure(&configuration)
            return try DynamoDBTableStore(configuration: configuration)
        }

        /// The requests of one operation that reached the proxy.
        func requests(_ target: String) throws -> [FaultProxy.LoggedRequest] {
            try proxy.requests().filter { $0.target == target }
        }
    }

    @Test("throttling, 500 and 503 answers are retried until the call succeeds")
    func transientErrors() async throws {
        let rig = try await Rig()
        defer { rig.proxy.stop() }
        let store = ResilientTableStore(
            wrapping: try rig.backend(), retryPolicy: RetryPolicy(base: .milliseconds(10), cap: .milliseconds(100), maximumAttempts: 5),
            circuitBreaker: nil)

        try rig.proxy.inject(.throttle, target: "PutItem")
        try rig.proxy.inject(.throttling, target: "PutItem")
        try rig.proxy.inject(.internalError, target: "PutItem")
        try rig.proxy.inject(.unavailable, target: "PutItem")
        try await store.put(item("p", "one", ["n": .int(1)]), into: Tables.main)

        #expect(try rig.requests("PutItem").map(\.fault) == [.throttle, .throttling, .internalError, .unavailable, nil])
        #expect(try await rig.direct.get(Key("p", "one"), from: Tables.main)?["n"] == .int(1))
    }

    @Test("the waits before retries are jittered: full jitter spreads them over [0, backoff]")
    func jitteredBackoff() async throws {
        let rig = try await Rig()
        defer { rig.proxy.stop() }
        // One retry per call after a 503, each waiting a random share of 200 ms.
        let store = ResilientTableStore(
            wrapping: try rig.backend(), retryPolicy: RetryPolicy(base: .milliseconds(200), cap: .milliseconds(200), maximumAttempts: 2),
            circuitBreaker: nil)
        try await rig.direct.put(item("p", "read"), into: Tables.main)

        var waits: [Double] = []
        for _ in 0..<10 {
            try rig.proxy.reset()
            try rig.proxy.inject(.unavailable, target: "GetItem")
            #expect(try await store.get(Key("p", "read"), from: Tables.main) != nil)
            let seen = try rig.requests("GetItem")
            try #require(seen.count == 2)
            waits.append(seen[1].at - seen[0].at)
        }
        // The waits differ: a fixed backoff would put them all within a few milliseconds of each
        // other. (Their bounds are timing, which a busy machine stretches; the unit tests of
        // RetryPolicy check them with a mock clock.)
        let spread = (waits.max() ?? 0) - (waits.min() ?? 0)
        #expect(spread > 0.03, "waits all alike, not jittered: \(waits)")
    }

    @Test("a dropped connection and an answer slower than the timeout fail as retryable, and retries recover")
    func droppedAndSlow() async throws {
        let rig = try await Rig()
        defer { rig.proxy.stop() }
        try await rig.direct.put(item("p", "read", ["n": .int(7)]), into: Tables.main)
        // The timeout is well past what moto takes on a loaded machine, the stall well past it.
        let backend = try rig.backend(timeout: .milliseconds(1500))

        // Without retries: the errors as the backend reports them.
        try rig.proxy.inject(.drop, target: "GetItem")
        let dropped = await tableError { _ = try await backend.get(Key("p", "read"), from: Tables.main) }
        #expect(dropped?.code == .connectionFailure)
        #expect(dropped?.isRetryable == true)
        try rig.proxy.inject(.slow, target: "GetItem", delay: .seconds(4))
        let slow = await tableError { _ = try await backend.get(Key("p", "read"), from: Tables.main) }
        #expect(slow?.code == .timeout)
        #expect(slow?.isRetryable == true)

        // With retries: both faults in a row, then the answer.
        try rig.proxy.reset()
        try rig.proxy.inject(.drop, target: "GetItem")
        try rig.proxy.inject(.slow, target: "GetItem", delay: .seconds(4))
        let store = ResilientTableStore(
            wrapping: backend, retryPolicy: RetryPolicy(base: .milliseconds(10), cap: .milliseconds(50), maximumAttempts: 3),
            circuitBreaker: nil)
        #expect(try await store.get(Key("p", "read"), from: Tables.main)?["n"] == .int(7))
        #expect(try rig.requests("GetItem").map(\.fault) == [.drop, .slow, nil])
    }

    @Test("entries a batch leaves unprocessed are resent until every one is written and read")
    func unprocessedEntries() async throws {
        let rig = try await Rig()
        defer { rig.proxy.stop() }
        let store = try rig.backend()
        let items = (0..<60).map { item("batch", String(format: "i%02d", $0), ["n": .int($0)]) }

        // Every BatchWriteItem request the proxy takes writes half its entries and hands back the rest.
        try rig.proxy.inject(.unprocessed, count: 5, target: "BatchWriteItem")
        try await store.batchWrite(items.map { .put($0) }, in: Tables.main)
        #expect(try await rig.direct.queryAll(Query(Tables.main, partition: "batch")) == items)
        let writes = try rig.requests("BatchWriteItem")
        #expect(writes.filter { $0.fault == .unprocessed }.count == 5)
        #expect(writes.count > 3, "60 entries are 3 requests without faults")

        try rig.proxy.inject(.unprocessed, count: 3, target: "BatchGetItem")
        let found = try await store.batchGet(try items.map { try Tables.main.key(of: $0) }, from: Tables.main)
        #expect(found.sorted { $0.string("sk")! < $1.string("sk")! } == items)
        #expect(try rig.requests("BatchGetItem").count > 1)
    }

    @Test("the retry budget stops a retry storm: once spent, failing calls are tried once")
    func retryBudget() async throws {
        let rig = try await Rig()
        defer { rig.proxy.stop() }
        // Room for four retries (5 tokens each), three attempts per call, no breaker.
        let store = ResilientTableStore(
            wrapping: try rig.backend(), retryPolicy: RetryPolicy(base: .milliseconds(1), cap: .milliseconds(5), maximumAttempts: 3),
            retryBudget: RetryBudget.Configuration(capacity: 20, retryCost: 5, timeoutRetryCost: 10, successReward: 1), circuitBreaker: nil)

        try rig.proxy.inject(.unavailable, count: -1, target: "GetItem")
        for _ in 0..<10 {
            let error = await tableError { _ = try await store.get(Key("p", "missing"), from: Tables.main) }
            #expect(error?.code == .backendFailure)
        }
        // Two calls with two retries each spend the budget; the eight after them go out once.
        #expect(try rig.requests("GetItem").count == 3 + 3 + 8)
        #expect(store.executor.availableRetryTokens == 0)

        // Successes pay the budget back, a token each.
        try rig.proxy.reset()
        for _ in 0..<5 { _ = try await store.get(Key("p", "missing"), from: Tables.main) }
        #expect(store.executor.availableRetryTokens == 5)
    }

    @Test("the breaker opens under a sustained outage, fails fast with a retry-after, and closes once the server recovers")
    func circuitBreaker() async throws {
        let rig = try await Rig()
        defer { rig.proxy.stop() }
        let openFor = Duration.seconds(3)
        let store = ResilientTableStore(
            wrapping: try rig.backend(), retryPolicy: .never,
            circuitBreaker: CircuitBreaker.Configuration(
                windowSize: 10, minimumCalls: 5, failureRateThreshold: 0.5, openDuration: openFor, permittedProbes: 2))
        try await rig.direct.put(item("p", "read"), into: Tables.main)

        try rig.proxy.inject(.unavailable, count: -1)
        for _ in 0..<5 {
            let error = await tableError { _ = try await store.get(Key("p", "read"), from: Tables.main) }
            #expect(error?.code == .backendFailure)
        }
        // Open: calls fail at once, without reaching the server, and say when to come back.
        for _ in 0..<20 {
            let error = await tableError { _ = try await store.get(Key("p", "read"), from: Tables.main) }
            #expect(error?.code == .unavailable)
            #expect(error.flatMap(\.retryAfter).map { $0 > 0 && $0 <= 3 } == true)
        }
        #expect(try rig.requests("GetItem").count == 5)
        guard case .open = store.circuitBreaker?.state else {
            Issue.record("breaker is \(String(describing: store.circuitBreaker?.state)), not open")
            return
        }

        // The server recovers; once the open time is over, probes go through and close the breaker.
        try rig.proxy.reset()
        try await Task.sleep(for: openFor + .milliseconds(100))
        #expect(try await store.get(Key("p", "read"), from: Tables.main) != nil)
        #expect(try await store.get(Key("p", "read"), from: Tables.main) != nil)
        #expect(store.circuitBreaker?.state == .closed)
        #expect(try rig.requests("GetItem").count == 2)
    }
}
