import Foundation
import LambdaRuntime
import QuizTestSupport
import Testing

/// The `EchoFunction` bootstrap as a whole process, against the scripted Runtime API: what it
/// sends, in which order, and the status it exits with when it must stop.
@Suite struct BootstrapProcessTests {
    /// How a bootstrap run ended.
    struct Exit {
        var status: Int32
        var standardError: String
    }

    /// Runs the echo bootstrap with `environment` until it exits by itself.
    static func runEchoFunction(environment: [String: String]) throws -> Exit {
        let process = Process()
        let errors = Pipe()
        process.executableURL = ProcessSupport.echoFunction
        process.environment = ProcessSupport.environment(adding: environment)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let status = try ProcessSupport.waitForExit(process)
        let printed = errors.fileHandleForReading.readDataToEndOfFile()
        return Exit(status: status, standardError: String(decoding: printed, as: UTF8.self))
    }

    /// The fields of the one JSON line a stopping bootstrap writes to standard error.
    static func terminationLine(_ standardError: String) throws -> [String: Any] {
        let line = try #require(standardError.split(separator: "\n").last { $0.hasPrefix("{") })
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func servesInvocationsUntilTheRuntimeAPIFailsThenExitsNonZero() throws {
        let fixture = try RuntimeAPIFixture(next: [
            .invocation("id-1", event: #"{"question":"q-17","answers":["b"]}"#),
            .invocation("id-2", event: #"{"fail":true}"#),
            .invocation("id-3", event: "[1,2,3]"),
        ])
        let exit = try Self.runEchoFunction(environment: ["AWS_LAMBDA_RUNTIME_API": fixture.endpoint])
        let requests = try fixture.requests()

        #expect(requests.map(\.line) == [
            "GET /2018-06-01/runtime/invocation/next",
            "POST /2018-06-01/runtime/invocation/id-1/response",
            "GET /2018-06-01/runtime/invocation/next",
            "POST /2018-06-01/runtime/invocation/id-2/error",
            "GET /2018-06-01/runtime/invocation/next",
            "POST /2018-06-01/runtime/invocation/id-3/response",
            "GET /2018-06-01/runtime/invocation/next",
        ])
        #expect(requests[1].bodyBytes == Array(#"{"question":"q-17","answers":["b"]}"#.utf8))
        #expect(requests[3].values("Lambda-Runtime-Function-Error-Type") == ["EchoFailure"])
        #expect(String(decoding: requests[3].bodyBytes, as: UTF8.self)
            == #"{"errorMessage":"the event asked the echo function to fail","errorType":"EchoFailure","stackTrace":[]}"#)
        #expect(requests[3].values("Lambda-Runtime-Function-XRay-Error-Cause")
            == [try #require(LambdaErrorReport(errorType: "EchoFailure", errorMessage: "the event asked the echo function to fail").xrayErrorCause)])
        #expect(requests[5].bodyBytes == Array("[1,2,3]".utf8))
        // One libcurl handle, one kept-alive connection for the whole life of the process.
        #expect(Set(requests.map(\.clientPort)).count == 1)

        // The scripted API answers the fourth `next` with 500: the process ends promptly.
        #expect(exit.status == 2)
        let line = try Self.terminationLine(exit.standardError)
        #expect(line["errorType"] as? String == "Runtime.unexpectedStatus")
        #expect((line["message"] as? String)?.contains("GET /runtime/invocation/next answered 500") == true)
    }

    @Test func oneInvocationAtATimeSeesItsTraceHeaderAsTaskLocalAndAsTheVariable() throws {
        let trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
        let fixture = try RuntimeAPIFixture(next: [
            .invocation("id-1", event: #"{"context":true}"#, traceID: trace),
            .invocation("id-2", event: #"{"context":true}"#),
        ])
        let exit = try Self.runEchoFunction(environment: ["AWS_LAMBDA_RUNTIME_API": fixture.endpoint, "_X_AMZN_TRACE_ID": "Root=1-stale"])
        let responses = try fixture.requests().filter { $0.method == "POST" }.map { String(decoding: $0.bodyBytes, as: UTF8.self) }

        #expect(responses == [
            #"{"requestID":"id-1","traceID":"\#(trace)","taskTrace":"\#(trace)","traceVariable":"\#(trace)","inFlight":null}"#,
            #"{"requestID":"id-2","traceID":null,"taskTrace":null,"traceVariable":null,"inFlight":null}"#,
        ])
        #expect(exit.status == 2)
    }

    @Test func aFailedInitialisationIsPostedAndExitsWithStatus1() throws {
        let fixture = try RuntimeAPIFixture(next: [.invocation("id-1", event: "{}")])
        let exit = try Self.runEchoFunction(environment: [
            "AWS_LAMBDA_RUNTIME_API": fixture.endpoint,
            "ECHO_INIT_FAILURE": "QUIZ_STORE_URL is not a store URL",
        ])
        let requests = try fixture.requests()

        #expect(requests.map(\.line) == ["POST /2018-06-01/runtime/init/error"])
        #expect(requests.first?.values("Lambda-Runtime-Function-Error-Type") == ["EchoConfigurationError"])
        #expect(requests.first?.values("Lambda-Runtime-Function-XRay-Error-Cause").count == 1)
        #expect(requests.first.map { String(decoding: $0.bodyBytes, as: UTF8.self) }
            == #"{"errorMessage":"QUIZ_STORE_URL is not a store URL","errorType":"EchoConfigurationError","stackTrace":[]}"#)
        #expect(exit.status == 1)
        #expect(try Self.terminationLine(exit.standardError)["errorType"] as? String == "Runtime.initializationFailed")
    }

    @Test func withoutARuntimeAPITheBootstrapExitsWithStatus1() throws {
        let exit = try Self.runEchoFunction(environment: [:])
        #expect(exit.status == 1)
        #expect(try Self.terminationLine(exit.standardError)["errorType"] as? String == "Runtime.missingRuntimeAPI")
    }

    @Test func anUnreachableRuntimeAPIEndsTheProcessNonZero() throws {
        let refusing = try HeldLoopbackPort(listening: false)
        let exit = try Self.runEchoFunction(environment: ["AWS_LAMBDA_RUNTIME_API": "127.0.0.1:\(refusing.port)"])
        #expect(exit.status == 2)
        #expect(try Self.terminationLine(exit.standardError)["errorType"] as? String == "Runtime.connectionFailed")
    }
}
