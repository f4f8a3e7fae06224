import QuizResilience
import QuizStore
import QuizStoreDynamoDB
import QuizTestSupport
import Testing

/// `ClientRequestToken`: a transaction repeated with the token of one that committed is answered
/// as done and writes nothing, within ten minutes; the same token with other writes is refused.
@Suite("Transaction tokens")
struct TransactionTokenTests {
    static let counter = Key("user#1", "progress")

    static func increment(_ store: any TableStore, _ token: TransactionToken?) async throws {
        try await store.transactWrite(
            [
                .update(counter, in: Tables.main, [.add("answered", 1)]),
                .put(item("idem#k", "record", ["status": "COMPLETED"]), into: Tables.other),
            ], token: token)
    }

    @Test("a repeat of a committed transaction with its token writes nothing (SQLite)")
    func repeatIsDone() async throws {
        let instance = try await Backend.sqlite.open()
        let token = try TransactionToken("req-1")
        try await Self.increment(instance.store, token)
        try await Self.increment(instance.store, token)
        // Another process opening the same file sees the token too: it is stored with the commit.
        try await Self.increment(try instance.reopen(), token)
        #expect(try await instance.store.get(Self.counter, from: Tables.main)?.int("answered") == 1)
        try await Self.increment(instance.store, try TransactionToken("req-2"))
        try await Self.increment(instance.store, nil)
        #expect(try await instance.store.get(Self.counter, from: Tables.main)?.int("answered") == 3)
    }

    @Test("the same token with other writes is refused, and writes nothing (SQLite)")
    func mismatch() async throws {
        let store = try await Backend.sqlite.open().store
        let token = try TransactionToken("req-1")
        try await Self.increment(store, token)
        let error = await tableError {
            try await store.transactWrite([.update(Self.counter, in: Tables.main, [.add("answered", 5)])], token: token)
        }
        #expect(error?.code == .validation)
        #expect(try await store.get(Self.counter, from: Tables.main)?.int("answered") == 1)
    }

    @Test("a token answers repeats for ten minutes; after that the transaction is new (SQLite)")
    func window() async throws {
        let instance = try await Backend.sqlite.open()
        let token = try TransactionToken("req-1")
        try await Self.increment(instance.store, token)
        instance.time.set(seconds: instance.time.seconds + TransactionToken.window)
        try await Self.increment(instance.store, token)
        #expect(try await instance.store.get(Self.counter, from: Tables.main)?.int("answered") == 1)
        instance.time.set(seconds: instance.time.seconds + 1)
        try await Self.increment(instance.store, token)
        #expect(try await instance.store.get(Self.counter, from: Tables.main)?.int("answered") == 2)
    }

    @Test("a cancelled transaction leaves no token: its retry, once the condition holds, applies (SQLite)")
    func cancelledLeavesNoToken() async throws {
        let store = try await Backend.sqlite.open().store
        let token = try TransactionToken("req-1")
        let writes: [TransactionWrite] = [
            .update(Self.counter, in: Tables.main, [.add("answered", 1)]),
            .conditionCheck(Key("bank#1", "meta"), in: Tables.main, .itemExists),
        ]
        #expect(await tableError { try await store.transactWrite(writes, token: token) }?.code == .transactionCanceled)
        try await store.put(item("bank#1", "meta"), into: Tables.main)
        try await store.transactWrite(writes, token: token)
        #expect(try await store.get(Self.counter, from: Tables.main)?.int("answered") == 1)
    }

    @Test("tokens are 1 to 36 printable ASCII characters; an attempt's token is always valid")
    func tokenShape() throws {
        #expect(throws: TableError.self) { try TransactionToken("") }
        #expect(throws: TableError.self) { try TransactionToken(String(repeating: "x", count: 37)) }
        #expect(throws: TableError.self) { try TransactionToken("with space") }
        #expect(try TransactionToken(String(repeating: "x", count: 36)).value.count == 36)
        #expect(TransactionToken.attempt(3, of: "0123456789abcdef01234567-extra").value == "0123456789abcdef01234567-3")
        #expect(TransactionToken.attempt(1, of: " \u{1F600} ").value == "request-1")
    }

    // What DynamoDB does with a repeated token is its own (a repeat within ten minutes is answered
    // without writing); moto 5.2.1 ignores the token, so what can be checked here is that it goes
    // out, unchanged across retries. The handlers do not rely on the server honouring it: after an
    // unknown outcome they read back (docs/idempotency.md).
    @Test("DynamoDB: the token goes out as ClientRequestToken, the same on every retry of one transaction")
    func sentOnTheWire() async throws {
        let server = try MotoServer.shared()
        let proxy = try FaultProxy(upstream: server)
        defer { proxy.stop() }
        var configuration = server.configuration(prefix: MotoServer.uniquePrefix())
        configuration.endpoint = proxy.endpoint
        let base = try DynamoDBTableStore(configuration: configuration)
        try await base.createTables([Tables.main, Tables.other])
        let store = ResilientTableStore(wrapping: base, retryPolicy: RetryPolicy(base: .milliseconds(1), cap: .milliseconds(5), maximumAttempts: 3))
        try proxy.inject(.internalError, count: 2, target: "TransactWriteItems")
        try await Self.increment(store, try TransactionToken("req-wire-1"))
        try await Self.increment(store, nil)
        let sent = try proxy.requests().filter { $0.target == "TransactWriteItems" }
        #expect(sent.map(\.clientRequestToken) == ["req-wire-1", "req-wire-1", "req-wire-1", nil])
    }
}
