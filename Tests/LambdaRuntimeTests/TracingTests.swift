import Foundation
import LambdaRuntime
import QuizTestSupport
import Testing

/// Each invocation's `Lambda-Runtime-Trace-Id` goes, as `X-Amzn-Trace-Id`, on the DynamoDB
/// requests made for that invocation and into its log line: the real `session-function`
/// bootstrap against the scripted Runtime API, on DynamoDB (moto) behind the fault proxy, which
/// records the header of every request.
@Suite struct TracingTests {
    static let traces = [
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        "Root=1-5759e988-000000000000000000000002;Parent=0000000000000002;Sampled=0",
        "Root=1-5759e988-000000000000000000000003;Parent=0000000000000003;Sampled=1",
    ]

    /// `functions/session/events/25-health.json`: `GET /health`, which asks DynamoDB for one
    /// table (`ListTables`), so each invocation makes exactly one request.
    static func healthEvent() throws -> String {
        try String(contentsOf: ProcessSupport.repositoryRoot.appendingPathComponent("functions/session/events/25-health.json"), encoding: .utf8)
    }

    static func environment(runtimeAPI: String, proxy: FaultProxy) -> [String: String] {
        [
            "AWS_LAMBDA_RUNTIME_API": runtimeAPI,
            "QUIZ_STORE_URL": "dynamodb://\(MotoServer.region)?endpoint=\(proxy.endpoint)&prefix=\(MotoServer.uniquePrefix())",
            // moto checks no signatures: any key will do.
            "AWS_ACCESS_KEY_ID": "AKIAMOTOTESTKEY00000",
            "AWS_SECRET_ACCESS_KEY": "moto-test-secret",
            "AWS_LAMBDA_LOG_FORMAT": "JSON",
        ]
    }

    /// The `traceId` of each invocation's log line, in the order they were written (`nil` for
    /// a line without one). The line's `requestId` is API Gateway's, the same in every sample
    /// event, so lines are told apart by order.
    static func loggedTraces(_ output: String) throws -> [String?] {
        var traces: [String?] = []
        for line in output.split(separator: "\n") where line.contains(#""route""#) && line.contains(#""status""#) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            traces.append(object["traceId"] as? String)
        }
        return traces
    }

    @Test func oneAtATimeEachInvocationsRequestsAndLogLineCarryItsOwnTraceHeader() throws {
        let proxy = try FaultProxy(upstream: try MotoServer.shared())
        defer { proxy.stop() }
        let event = try Self.healthEvent()
        let fixture = try RuntimeAPIFixture(next: [
            .invocation("id-1", event: event, traceID: Self.traces[0]),
            .invocation("id-2", event: event),
            .invocation("id-3", event: event, traceID: Self.traces[2]),
        ])
        let bootstrap = try BootstrapProcess(ProcessSupport.sessionFunction, environment: Self.environment(runtimeAPI: fixture.endpoint, proxy: proxy))
        defer { bootstrap.stop() }
        // The script ends with 500 after three events: the bootstrap exits by itself.
        #expect(bootstrap.wait { !bootstrap.process.isRunning }, Comment(rawValue: bootstrap.standardError))

        let responses = try fixture.requests().filter { $0.method == "POST" }
        #expect(responses.map(\.path) == (1...3).map { "/2018-06-01/runtime/invocation/id-\($0)/response" })
        #expect(responses.allSatisfy { String(decoding: $0.bodyBytes, as: UTF8.self).contains(#"\"reachable\""#) }, "GET /health answered from DynamoDB")

        // One ListTables per invocation, in order; the one without a trace header sent none,
        // not the header of the invocation before it.
        let sent = try proxy.traceHeaders()
        #expect(sent.map(\.target) == ["ListTables", "ListTables", "ListTables"])
        #expect(sent.map(\.traceID) == [Self.traces[0], nil, Self.traces[2]])
        #expect(try Self.loggedTraces(bootstrap.standardOutput) == [Self.traces[0], nil, Self.traces[2]], Comment(rawValue: bootstrap.standardOutput))
    }

    @Test func concurrentInvocationsEachSendTheirOwnTraceHeader() throws {
        let proxy = try FaultProxy(upstream: try MotoServer.shared())
        defer { proxy.stop() }
        let event = try Self.healthEvent()
        let fixture = try RuntimeAPIFixture(
            next: (0..<3).map { .invocation("id-\($0 + 1)", event: event, traceID: Self.traces[$0]) }, thenWait: true)
        var environment = Self.environment(runtimeAPI: fixture.endpoint, proxy: proxy)
        environment["AWS_LAMBDA_MAX_CONCURRENCY"] = "3"
        let bootstrap = try BootstrapProcess(ProcessSupport.sessionFunction, environment: environment)
        defer { bootstrap.stop() }

        let answered = try bootstrap.wait { try fixture.requests().filter { $0.method == "POST" }.count >= 3 }
        #expect(answered, Comment(rawValue: bootstrap.standardError))
        // Three loops, three overlapping invocations, one process: each request still carries
        // exactly the header of the invocation it was made for, and each log line its own.
        let sent = try proxy.traceHeaders()
        #expect(sent.map(\.target) == ["ListTables", "ListTables", "ListTables"])
        #expect(sent.compactMap(\.traceID).sorted() == Self.traces.sorted())
        #expect(try Self.loggedTraces(bootstrap.standardOutput).compactMap { $0 }.sorted() == Self.traces.sorted(), Comment(rawValue: bootstrap.standardOutput))
    }
}
