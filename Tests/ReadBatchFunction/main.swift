// A bootstrap for the DynamoDB read-batch test (QuizStoreDynamoDBTests/ReadBatchInBootstrapTests):
// the real Lambda runtime loop, on its invocation thread, serving events of the form
//   {"table": "NAME", "keys": ["k1", "k2", "k3"]}
// by reading those keys of the table (partition key `id`, no sort key) in one read batch of the
// store `QUIZ_STORE_URL` names, and answering {"elapsedMs": N, "found": M}: how long the batch
// took, measured inside the handler, and how many of the items it found.
import LambdaRuntime
import QuizStore
import QuizStoreDynamoDB
import StrictJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct ReadBatchError: Error, CustomStringConvertible {
    var description: String
}

struct ReadBatchHandler: LambdaHandler {
    let store: DynamoDBTableStore

    func handle(_ event: [UInt8], context: LambdaContext) async throws -> [UInt8] {
        let json = try JSONParser.parse(event)
        guard let table = json["table"]?.stringValue, let keys = json["keys"]?.arrayValue?.compactMap(\.stringValue) else {
            throw ReadBatchError(description: "the event names no table and keys")
        }
        let schema = TableSchema(name: table, partitionKey: "id", sortKey: nil)
        let clock = ContinuousClock()
        let started = clock.now
        let results = try await store.read(keys.map { .get(Key($0), from: schema) })
        let elapsed = clock.now - started
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("elapsedMs")
        writer.double(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        writer.key("found")
        writer.int(results.compactMap(\.item).count)
        writer.endObject()
        return writer.bytes
    }
}

var environment: [String: String] = [:]
for name in ["QUIZ_STORE_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION"] {
    if let value = getenv(name) { environment[name] = String(cString: value) }
}
let storeEnvironment = environment
LambdaRuntime.run {
    ReadBatchHandler(store: try DynamoDBTableStore(url: storeEnvironment["QUIZ_STORE_URL"] ?? "", environment: storeEnvironment))
}
