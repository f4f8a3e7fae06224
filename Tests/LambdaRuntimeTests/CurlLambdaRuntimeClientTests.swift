import CurlHTTP
import Foundation
import LambdaRuntime
import QuizTestSupport
import Testing

/// What ``CurlLambdaRuntimeClient`` puts on the wire and how it reads the answers, against the
/// scripted Runtime API of `Fixtures/runtime_api.py`.
@Suite struct CurlLambdaRuntimeClientTests {
    static let report = LambdaErrorReport(errorType: "SessionError", errorMessage: "session s-1 expired")

    // MARK: - The four calls

    @Test func nextGetsTheInvocationWithItsContext() throws {
        let fixture = try RuntimeAPIFixture(next: [
            .invocation(
                "8476a536-e9f4-11e8-9739-2dfe598c3fcd", event: #"{"rawPath":"/health"}"#, deadline: "1542409706888",
                traceID: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1", clientContext: #"{"custom":{}}"#,
                cognitoIdentity: #"{"cognitoIdentityId":"id"}"#)
        ])
        let client = try CurlLambdaRuntimeClient(endpoint: fixture.endpoint)
        let invocation = try client.next()

        #expect(invocation.event == Array(#"{"rawPath":"/health"}"#.utf8))
        #expect(invocation.context == LambdaContext(
            requestID: "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
            deadline: LambdaClock.Instant(millisecondsSinceEpoch: 1_542_409_706_888),
            invokedFunctionARN: "arn:aws:lambda:eu-west-1:123456789012:function:echo",
            traceID: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1",
            clientContext: #"{"custom":{}}"#,
            cognitoIdentity: #"{"cognitoIdentityId":"id"}"#))
        let requests = try fixture.requests()
        #expect(requests.map(\.line) == ["GET /2018-06-01/runtime/invocation/next"])
        #expect(requests.first?.bodyBytes == [])
    }

    @Test func respondPostsTheBytesToTheInvocationsResponsePath() throws {
        let fixture = try RuntimeAPIFixture(next: [])
        let client = try CurlLambdaRuntimeClient(endpoint: fixture.endpoint)
        // Lambda's largest synchronous response: 6 MB, every byte value.
        let body = Payload.bytes(count: 6 * 1024 * 1024)
        try client.respond(to: "id-1", with: body)

        let request = try #require(try fixture.requests().first)
        #expect(request.line == "POST /2018-06-01/runtime/invocation/id-1/response")
        #expect(request.values("Content-Length") == ["6291456"])
        #expect(request.bodyBytes == body)
    }

    @Test func failPostsTheReportWithItsErrorTypeHeader() throws {
        let fixture = try RuntimeAPIFixture(next: [])
        let client = try CurlLambdaRuntimeClient(endpoint: fixture.endpoint)
        try client.fail(invocation: "id-1", with: Self.report)

        let request = try #require(try fixture.requests().first)
        #expect(request.line == "POST /2018-06-01/runtime/invocation/id-1/error")
        #expect(request.values("Lambda-Runtime-Function-Error-Type") == ["SessionError"])
        #expect(request.values("Content-Type") == ["application/json"])
        #expect(String(decoding: request.bodyBytes, as: UTF8.self)
            == #"{"errorMessage":"session s-1 expired","errorType":"SessionError","stackTrace":[]}"#)
    }

    @Test func errorPostsCarryTheXRayErrorCause() throws {
        let fixture = try RuntimeAPIFixture(next: [])
        let client = try CurlLambdaRuntimeClient(endpoint: fixture.endpoint)
        try client.fail(invocation: "id-1", with: Self.report)
        try client.initFailed(with: Self.report)

        let requests = try fixture.requests()
        #expect(requests.count == 2)
        for request in requests {
            let cause = try #require(request.values("Lambda-Runtime-Function-XRay-Error-Cause").first, "\(request.path)")
            #expect(cause == Self.report.xrayErrorCause)
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(cause.utf8)) as? [String: Any])
            let exception = try #require((parsed["exceptions"] as? [[String: Any]])?.first)
            #expect(exception["type"] as? String == "SessionError")
            #expect(exception["message"] as? String == "session s-1 expired")
        }
    }

    @Test func initFailedPostsTheReportToInitError() throws {
        let fixture = try RuntimeAPIFixture(next: [])
        let client = try CurlLambdaRuntimeClient(endpoint: fixture.endpoint)
        try client.initFailed(with: LambdaErrorReport(errorType: "ConfigurationError", errorMessage: "no store"))

        let request = try #require(try fixture.requests().first)
        #expect(request.line == "POST /2018-06-01/runtime/init/error")
        #expect(request.values("Lambda-Runtime-Function-Error-Type") == ["ConfigurationError"])
        #expect(request.bodyBytes == LambdaErrorReport(errorType: "ConfigurationError", errorMessage: "no store").jsonBody)
    }

    @Test func aRequestIDCannotAddressAnotherPath() throws {
        let fixture = try RuntimeAPIFixture(next: [])
        let client = try CurlLambdaRuntimeClient(endpoint: fixture.endpoint)
        try client.respond(to: "../../init/error?x=1 y", with: Array("ok".utf8))

        #expect(try fixture.requests().map(\.path) == ["/2018-06-01/runtime/invocation/..%2F..%2Finit%2Ferror%3Fx%3D1%20y/response"])
    }

    @Test func everyCallGoesOverOneKeptAliveConnection() throws {
        let fixture = try RuntimeAPIFixture(next: [.invocation("id-1", event: "{}"), .invocation("id-2", event: "{}")])
        let client = try CurlLambdaRuntimeClient(endpoint: fixture.endpoint)
        _ = try client.next()
        try client.respond(to: "id-1", with: Array("{}".utf8))
        _ = try client.next()
        try client.fail(invocation: "id-2", with: Self.report)

        let requests = try fixture.requests()
        #expect(requests.count == 4)
        #expect(Set(requests.map(\.clientPort)).count == 1)
    }

    // MARK: - Failures

    @Test func a413OnAResponseIsResponseTooLarge() throws {
        let fixture = try RuntimeAPIFixture(next: [], posts: ["/2018-06-01/runtime/invocation/id-1/response": 413])
        let client = try CurlLambdaRuntimeClient(endpoint: fixture.endpoint)
        let error = #expect(throws: LambdaRuntimeError.responseTooLarge) {
            try client.respond(to: "id-1", with: Array("too big".utf8))
        }
        #expect(error?.status == 413)
    }

    @Test(arguments: [500, 400, 403, 404])
    func anyOtherStatusOnNextIsUnexpected(status: Int) throws {
        let fixture = try RuntimeAPIFixture(next: [.status(status)])
        let client = try CurlLambdaRuntimeClient(endpoint: fixture.endpoint)
        let error = #expect(throws: LambdaRuntimeError.unexpectedStatus) { try client.next() }
        #expect(error?.status == status)
    }

    @Test(arguments: [
        ("/2018-06-01/runtime/invocation/id-1/response", 500),
        ("/2018-06-01/runtime/invocation/id-1/response", 400),
        ("/2018-06-01/runtime/invocation/id-1/error", 500),
        ("/2018-06-01/runtime/init/error", 403),
    ])
    func anyOtherStatusOnAPostIsUnexpected(path: String, status: Int) throws {
        let fixture = try RuntimeAPIFixture(next: [], posts: [path: status])
        let client = try CurlLambdaRuntimeClient(endpoint: fixture.endpoint)
        let error = #expect(throws: LambdaRuntimeError.unexpectedStatus) {
            if path.hasSuffix("/response") {
                try client.respond(to: "id-1", with: [])
            } else if path.hasSuffix("/init/error") {
                try client.initFailed(with: Self.report)
            } else {
                try client.fail(invocation: "id-1", with: Self.report)
            }
        }
        #expect(error?.status == status)
    }

    @Test func anEventOverTheLimitIsEventTooLargeForItsInvocation() throws {
        let fixture = try RuntimeAPIFixture(next: [.generated("big", size: 17 * 1024 * 1024), .invocation("id-2", event: "{}")])
        let client = try CurlLambdaRuntimeClient(endpoint: fixture.endpoint)
        let error = #expect(throws: LambdaRuntimeError.eventTooLarge) { try client.next() }
        #expect(error?.requestID == "big")
        #expect(error?.message == "the event is over the runtime's limit of 16777216 bytes")
        // The client is still usable: the next invocation arrives whole.
        #expect(try client.next().context.requestID == "id-2")
    }

    @Test func anEventCutOffMidBodyIsEventNotReceivedForItsInvocation() throws {
        let fixture = try RuntimeAPIFixture(next: [.generated("cut", size: 4096, cutAfter: 100), .invocation("id-2", event: "{}")])
        let client = try CurlLambdaRuntimeClient(endpoint: fixture.endpoint)
        let error = #expect(throws: LambdaRuntimeError.eventNotReceived) { try client.next() }
        #expect(error?.requestID == "cut")
        #expect(try client.next().context.requestID == "id-2")
    }

    @Test func anInvocationWithoutADeadlineIsInvalidButNamesItsRequestID() throws {
        let fixture = try RuntimeAPIFixture(next: [.init(status: 200, headers: [["Lambda-Runtime-Aws-Request-Id", "no-deadline"]], body: "")])
        let client = try CurlLambdaRuntimeClient(endpoint: fixture.endpoint)
        let error = #expect(throws: LambdaRuntimeError.invalidInvocation) { try client.next() }
        #expect(error?.requestID == "no-deadline")
    }

    @Test func anInvocationWithoutARequestIDIsInvalid() throws {
        let fixture = try RuntimeAPIFixture(next: [
            .init(status: 200, headers: [["Lambda-Runtime-Deadline-Ms", "1800000000000"]], body: "")
        ])
        let client = try CurlLambdaRuntimeClient(endpoint: fixture.endpoint)
        #expect(throws: LambdaRuntimeError.invalidInvocation) { try client.next() }
    }

    @Test func aRefusedConnectionIsConnectionFailed() throws {
        let refusing = try HeldLoopbackPort(listening: false)
        let client = try CurlLambdaRuntimeClient(endpoint: "127.0.0.1:\(refusing.port)")
        let error = #expect(throws: LambdaRuntimeError.connectionFailed) { try client.next() }
        #expect((error?.underlying as? HTTPClientError)?.code == .connectionFailed)
    }

    @Test func anEmptyEndpointIsAMissingRuntimeAPI() {
        #expect(throws: LambdaRuntimeError.missingRuntimeAPI) { try CurlLambdaRuntimeClient(endpoint: "") }
    }

    @Test func theBaseURLCarriesTheAPIVersion() throws {
        #expect(try CurlLambdaRuntimeClient(endpoint: "127.0.0.1:9001").baseURL == "http://127.0.0.1:9001/2018-06-01")
    }
}
