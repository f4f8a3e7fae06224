// quiz-dynamodb-bench: per-operation latency of our DynamoDB client (libcurl + SigV4, behind the
// resilience layer, as the functions use it) next to boto3, against the same moto_server in the
// same run: GetItem, PutItem and a conditional UpdateItem (add to a counter if the version is
// the one last written — the write every session update makes).
//
//   swift build -c release --product quiz-dynamodb-bench && .build/release/quiz-dynamodb-bench [--operations N] [--rounds R]
//
// The two clients take turns, round after round, so drift in the machine's load hits both, and
// send the same requests: the update asks for the item as written (ReturnValues ALL_NEW) and for
// the current item when the condition fails (ALL_OLD), as the table layer's update does.
// moto answers every request itself (and closes the connection after each), so both clients
// pay the same server time; the difference is the clients' own work.
import Foundation
import QuizResilience
import QuizStore
import QuizStoreDynamoDB
import QuizTestSupport

var operations = 300
var rounds = 3
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--operations": operations = Int(arguments.next() ?? "") ?? operations
    case "--rounds": rounds = Int(arguments.next() ?? "") ?? rounds
    case "--help", "-h":
        print("usage: quiz-dynamodb-bench [--operations N] [--rounds R]")
        exit(0)
    default:
        FileHandle.standardError.write(Data("quiz-dynamodb-bench: unknown argument \(argument)\n".utf8))
        exit(2)
    }
}
guard operations > 0, rounds > 0 else {
    FileHandle.standardError.write(Data("quiz-dynamodb-bench: --operations and --rounds must be positive\n".utf8))
    exit(2)
}

let moto: MotoServer
do {
    moto = try MotoServer()
} catch {
    FileHandle.standardError.write(Data("quiz-dynamodb-bench: \(error)\n".utf8))
    exit(1)
}
defer { moto.stop() }

let credentials = SigV4Signer.Credentials(accessKeyID: "AKIABENCHMARK0000000", secretAccessKey: "benchmark-secret")
let table = TableSchema(name: "items")
let prefix = "bench-"
let base = try DynamoDBTableStore(
    configuration: DynamoDBConfiguration(region: "us-east-1", credentials: credentials, endpoint: moto.endpoint, tablePrefix: prefix))
try await base.createTables([table])
let store = ResilientTableStore(wrapping: base)

/// An item as a session-sized record: strings, a number, a list and a map (~300 bytes).
@MainActor
func sample(_ sortKey: String) -> Item {
    Item([
        "pk": .string("bench"), "sk": .string(sortKey), "name": .string("Learner \(sortKey)"), "score": .int(42),
        "tags": .list([.string("algebra"), .string("geometry"), .string("calculus")]),
        "state": .map(["status": .string("started"), "answered": .int(7), "correct": .int(5), "category": .string("algebra")]),
        "text": .string(String(repeating: "x", count: 160)),
    ])
}

var ours: [String: [Double]] = [:]
var boto3: [String: [Double]] = [:]
let clock = ContinuousClock()

@MainActor
func measure(_ name: String, _ body: () async throws -> Void) async throws {
    for _ in 0..<operations {
        let started = clock.now
        try await body()
        let elapsed = clock.now - started
        ours[name, default: []].append(Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15)
    }
}

for sortKey in (0..<100).map({ "read-\($0)" }) { try await store.put(sample(sortKey), into: table) }
try await store.put(Item(["pk": .string("bench"), "sk": .string("ours-counter"), "version": .int(0), "n": .int(0)]), into: table)

let botoScript = #"""
    import json, sys, time, boto3
    endpoint, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="AKIABENCHMARK0000000", aws_secret_access_key="benchmark-secret")
    table = prefix + "items"
    def sample(sk):
        return {"pk": {"S": "bench"}, "sk": {"S": sk}, "name": {"S": "Learner " + sk}, "score": {"N": "42"},
                "tags": {"L": [{"S": "algebra"}, {"S": "geometry"}, {"S": "calculus"}]},
                "state": {"M": {"status": {"S": "started"}, "answered": {"N": "7"}, "correct": {"N": "5"}, "category": {"S": "algebra"}}},
                "text": {"S": "x" * 160}}
    client.put_item(TableName=table, Item={"pk": {"S": "bench"}, "sk": {"S": "boto-counter"}, "version": {"N": "0"}, "n": {"N": "0"}})
    times = {"GetItem": [], "PutItem": [], "UpdateItem (conditional)": []}
    def timed(name, call):
        started = time.perf_counter_ns()
        call()
        times[name].append((time.perf_counter_ns() - started) / 1e6)
    for i in range(count):
        timed("GetItem", lambda: client.get_item(TableName=table, Key={"pk": {"S": "bench"}, "sk": {"S": "read-%d" % (i % 100)}}))
    for i in range(count):
        timed("PutItem", lambda: client.put_item(TableName=table, Item=sample("boto-put-%d" % i)))
    for i in range(count):
        timed("UpdateItem (conditional)", lambda: client.update_item(
            TableName=table, Key={"pk": {"S": "bench"}, "sk": {"S": "boto-counter"}},
            UpdateExpression="SET #v = :next ADD #n :one", ConditionExpression="#v = :v",
            ExpressionAttributeNames={"#v": "version", "#n": "n"},
            ExpressionAttributeValues={":v": {"N": str(i)}, ":next": {"N": str(i + 1)}, ":one": {"N": "1"}},
            ReturnValues="ALL_NEW", ReturnValuesOnConditionCheckFailure="ALL_OLD"))
    print(json.dumps(times))
    """#

@MainActor
func runBoto3() throws -> [String: [Double]] {
    let process = Process()
    let output = Pipe()
    let errors = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", botoScript, moto.endpoint, prefix, String(operations)]
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let printed = output.fileHandleForReading.readDataToEndOfFile()
    let complaints = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0,
        let times = try JSONSerialization.jsonObject(with: printed) as? [String: [Double]]
    else {
        throw MotoServer.Failure(description: "the boto3 run failed: \(String(decoding: complaints, as: UTF8.self))")
    }
    return times
}

var version: Int64 = 0
var putIndex = 0
do {
    // One warm-up round of each, not counted: connections, caches, Python imports.
    _ = try await store.get(Key("bench", "read-0"), from: table)
    for round in 1...rounds {
        try await measure("GetItem") { _ = try await store.get(Key("bench", "read-\(Int.random(in: 0..<100))"), from: table) }
        try await measure("PutItem") {
            putIndex += 1
            try await store.put(sample("ours-put-\(putIndex)"), into: table)
        }
        try await measure("UpdateItem (conditional)") {
            try await store.update(
                Key("bench", "ours-counter"), in: table, [.add("n", 1), .set("version", .int(version + 1))], if: .version(version))
            version += 1
        }
        for (name, times) in try runBoto3() { boto3[name, default: []] += times }
        print("round \(round) of \(rounds) done", to: &standardError)
    }
} catch {
    print("quiz-dynamodb-bench: \(error)", to: &standardError)
    moto.stop()
    exit(1)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { FileHandle.standardError.write(Data(string.utf8)) }
}
nonisolated(unsafe) var standardError = StandardError()

func percentile(_ sorted: [Double], _ share: Double) -> Double {
    sorted[min(sorted.count - 1, Int((Double(sorted.count) * share).rounded(.up)) - 1)]
}

func format(_ value: Double) -> String { String(format: "%.3f", value) }

print("moto_server on 127.0.0.1, \(operations) operations × \(rounds) rounds per client; latency in ms")
print("operation                 | ours p50 | ours p99 | ours mean | boto3 p50 | boto3 p99 | boto3 mean | ours/boto3 (mean)")
var met = true
for name in ["GetItem", "PutItem", "UpdateItem (conditional)"] {
    let mine = (ours[name] ?? []).sorted()
    let theirs = (boto3[name] ?? []).sorted()
    guard !mine.isEmpty, !theirs.isEmpty else { continue }
    let myMean = mine.reduce(0, +) / Double(mine.count)
    let theirMean = theirs.reduce(0, +) / Double(theirs.count)
    if myMean > theirMean || percentile(mine, 0.5) > percentile(theirs, 0.5) { met = false }
    let columns = [
        format(percentile(mine, 0.5)), format(percentile(mine, 0.99)), format(myMean),
        format(percentile(theirs, 0.5)), format(percentile(theirs, 0.99)), format(theirMean), String(format: "%.2f", myMean / theirMean),
    ]
    print(name.padding(toLength: 26, withPad: " ", startingAt: 0) + "| " + columns.joined(separator: " | "))
}
print("target (ours at or below boto3, p50 and mean, every operation): \(met ? "met" : "NOT met")")
moto.stop()
