import Foundation
import QuizStore
import QuizStoreDynamoDB
import QuizTestSupport
import StrictJSON
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A DynamoDB read batch sends its reads at once even inside a running bootstrap, where the
/// handler and every child task it starts share the runtime's one invocation thread: the reads
/// wait for their answers on the transport's threads, not on that one (docs/storage-threads.md).
///
/// Real parts throughout: the `ReadBatchFunction` bootstrap (the Lambda runtime loop and the
/// DynamoDB backend) as a process of its own, the scripted Runtime API, moto, and the fault proxy
/// in front of moto holding every `GetItem` for 100 ms. Three reads one after another take at
/// least 300 ms; at once, a little over 100.
@Suite(.serialized) struct ReadBatchInBootstrapTests {
    static let keys = ["k1", "k2", "k3"]

    @Test func threeReadsDelayedBy100msEachFinishInUnder200ms() async throws {
        let moto = try MotoServer.shared()
        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        let prefix = MotoServer.uniquePrefix()
        let schema = TableSchema(name: "reads", partitionKey: "id", sortKey: nil)
        let setup = try DynamoDBTableStore(configuration: moto.configuration(prefix: prefix))
        try await setup.createTables([schema])
        for key in Self.keys { try await setup.put(["id": .string(key), "n": .int(1)], into: schema, if: nil) }
        try proxy.inject(.slow, count: -1, target: "GetItem", delay: .milliseconds(100))

        // Three invocations of the same batch: the first also opens the transport's connections.
        let event = #"{"table":"\#(prefix)reads","keys":["k1","k2","k3"]}"#
        let runtimeAPI = try ScriptedRuntimeAPI(events: [event, event, event])
        defer { runtimeAPI.stop() }
        let credentials = MotoServer.dummyCredentials
        let status = try Self.runBootstrap(environment: [
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:\(runtimeAPI.port)",
            "QUIZ_STORE_URL": "dynamodb://\(MotoServer.region)?endpoint=\(proxy.endpoint)",
            "AWS_ACCESS_KEY_ID": credentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey,
        ])
        // The scripted Runtime API answers a fourth `next` with 500, which ends the bootstrap.
        #expect(status != 0)

        let answers = try runtimeAPI.responses()
        try #require(answers.count == 3, "every invocation answered: \(answers)")
        let elapsed = try answers.map { answer in
            let json = try JSONParser.parse(answer)
            #expect(json["found"] == .integer(3))
            return Double(try #require(json["elapsedMs"].flatMap { if case .number(let text) = $0 { Double(text) } else { nil } }))
        }
        // Each read really waited for the proxy's delay...
        #expect(elapsed.allSatisfy { $0 >= 100 }, "\(elapsed)")
        // ...and the three waited at once: one after another would take 300 ms or more. The best
        // of three keeps a loaded machine's stall in one invocation from failing the test; no
        // invocation can pass without the reads overlapping.
        #expect(try #require(elapsed.min()) < 200, "\(elapsed)")
        #expect(try proxy.requests().filter { $0.target == "GetItem" }.count == 9)
    }

    /// Runs the bootstrap until it exits by itself, within a minute.
    static func runBootstrap(environment: [String: String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("ReadBatchFunction")
        var variables = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") && !$0.key.hasPrefix("QUIZ_") }
        variables.merge(environment) { $1 }
        process.environment = variables
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// The scripted Runtime API of `Tests/LambdaRuntimeTests/Fixtures/runtime_api.py`, serving
/// `events` as invocations and recording what the bootstrap posts back.
struct ScriptedRuntimeAPI {
    private let child: PortReportingProcess
    let port: Int

    init(events: [String]) throws {
        let next = events.enumerated().map { index, event in
            [
                "status": 200,
                "headers": [
                    ["Content-Type", "application/json"], ["Lambda-Runtime-Aws-Request-Id", "r-\(index)"],
                    ["Lambda-Runtime-Deadline-Ms", "1800000000000"],
                    ["Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:123456789012:function:reads"],
                ],
                "body": Data(event.utf8).base64EncodedString(),
            ] as [String: Any]
        }
        let script = String(decoding: try JSONSerialization.data(withJSONObject: ["next": next, "posts": [:]]), as: UTF8.self)
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LambdaRuntimeTests/Fixtures/runtime_api.py").path
        child = try PortReportingProcess(
            executable: PortReportingProcess.python, arguments: ["-I", "-S", path, "--port", "0", "--script", script], name: "runtime_api.py")
        port = child.port
    }

    func stop() { child.stop() }

    /// The bodies the bootstrap posted as invocation responses, in order.
    func responses() throws -> [[UInt8]] {
        let data = try Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/__requests")!)
        let requests = try JSONParser.parse(Array(data)).arrayValue ?? []
        return requests.compactMap { request in
            guard request["method"]?.stringValue == "POST", request["path"]?.stringValue?.hasSuffix("/response") == true,
                let body = request["body"]?.stringValue, let bytes = Data(base64Encoded: body)
            else { return nil }
            return Array(bytes)
        }
    }
}
