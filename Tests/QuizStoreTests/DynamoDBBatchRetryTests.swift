import QuizStore
import QuizStoreDynamoDB
import QuizTestSupport
import Testing

/// Batch requests that DynamoDB answers only in part: the unprocessed entries are resent, with
/// backoff, until none is left or the attempts run out.
@Suite("DynamoDB batch retries")
struct DynamoDBBatchRetryTests {
    @Test("unprocessed batch writes are resent until written; when the attempts run out, the batch is throttled")
    func unprocessedWrites() async throws {
        // The first four BatchWriteItem requests leave their last entry unprocessed.
        let server = try MotoServer(environment: ["QUIZ_MOTO_LEAVE_UNPROCESSED": "4"])
        defer { server.stop() }
        var settings = server.configuration(prefix: MotoServer.uniquePrefix())
        settings.batchBackoff = .milliseconds(1)
        settings.batchAttempts = 2
        let impatient = try DynamoDBTableStore(configuration: settings)
        try await impatient.createTables([Tables.main])
        let items = (0..<10).map { item("batch", "i\($0)", ["n": .int($0)]) }

        // Two sends, both leaving the last item: the batch fails, retryable, with that item unwritten.
        let error = await tableError { try await impatient.batchWrite(items.map { .put($0) }, in: Tables.main) }
        #expect(error?.code == .throttled)
        #expect(error?.isRetryable == true)
        #expect(try await impatient.queryAll(Query(Tables.main, partition: "batch")) == Array(items.dropLast()))

        // Three sends: the last item is left twice more, then written.
        settings.batchAttempts = 8
        let patient = try DynamoDBTableStore(configuration: settings)
        try await patient.batchWrite(items.map { .put($0) }, in: Tables.main)
        #expect(try await patient.queryAll(Query(Tables.main, partition: "batch")) == items)
    }

    @Test("a batch get whose answer would pass 16 MB gets the rest of its keys in a second request")
    func unprocessedKeys() async throws {
        // DynamoDB answers at most 16 MB per BatchGetItem and returns the remaining keys as
        // UnprocessedKeys (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html);
        // moto does the same, so 50 items of 350 KB take two requests.
        let server = try MotoServer.shared()
        let store = try DynamoDBTableStore(configuration: server.configuration(prefix: MotoServer.uniquePrefix()))
        try await store.createTables([Tables.main])
        let filler = String(repeating: "x", count: 350_000)
        let items = (0..<50).map { item("large", "i\($0 < 10 ? "0" : "")\($0)", ["text": .string(filler)]) }
        try await store.batchWrite(items.map { .put($0) }, in: Tables.main)

        let found = try await store.batchGet(try items.map { try Tables.main.key(of: $0) }, from: Tables.main)
        #expect(found.count == 50)
        #expect(Set(found.map { $0.string("sk")! }) == Set(items.map { $0.string("sk")! }))
        #expect(found.allSatisfy { $0.string("text") == filler })
    }
}
