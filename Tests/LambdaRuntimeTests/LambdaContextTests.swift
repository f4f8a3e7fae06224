import CurlHTTP
import Testing

@testable import LambdaRuntime

#if canImport(Glibc)
import Glibc
#endif

/// Reading an invocation from the headers of `GET /runtime/invocation/next`, and the deadline
/// arithmetic handlers rely on.
@Suite struct LambdaContextTests {
    /// A `next` answer as the Runtime API sends it, header names in its spelling.
    static let nextHeaders: [(name: String, value: String)] = [
        (name: "Content-Type", value: "application/json"),
        (name: "Lambda-Runtime-Aws-Request-Id", value: "8476a536-e9f4-11e8-9739-2dfe598c3fcd"),
        (name: "Lambda-Runtime-Deadline-Ms", value: "1542409706888"),
        (name: "Lambda-Runtime-Invoked-Function-Arn", value: "arn:aws:lambda:us-east-2:123456789012:function:custom-runtime"),
        (name: "Lambda-Runtime-Trace-Id", value: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"),
        (name: "Lambda-Runtime-Client-Context", value: #"{"custom":{"tenant":"t-1"}}"#),
        (name: "Lambda-Runtime-Cognito-Identity", value: #"{"cognitoIdentityId":"us-east-2:123"}"#),
    ]

    static func invocation(_ headers: [(name: String, value: String)]) throws(LambdaRuntimeError) -> LambdaInvocation {
        let response = HTTPResponse(status: 200, headers: headers, body: Array(#"{"k":1}"#.utf8))
        return try LambdaInvocation(event: response.body, headers: response.headers)
    }

    // MARK: - Headers

    @Test func readsEveryNextInvocationHeader() throws {
        let invocation = try Self.invocation(Self.nextHeaders)
        #expect(invocation.event == Array(#"{"k":1}"#.utf8))
        #expect(invocation.context == LambdaContext(
            requestID: "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
            deadline: LambdaClock.Instant(millisecondsSinceEpoch: 1_542_409_706_888),
            invokedFunctionARN: "arn:aws:lambda:us-east-2:123456789012:function:custom-runtime",
            traceID: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
            clientContext: #"{"custom":{"tenant":"t-1"}}"#,
            cognitoIdentity: #"{"cognitoIdentityId":"us-east-2:123"}"#))
    }

    @Test func headerNamesAreMatchedIgnoringCase() throws {
        let lowercased = Self.nextHeaders.map { (name: $0.name.lowercased(), value: $0.value) }
        #expect(try Self.invocation(lowercased) == Self.invocation(Self.nextHeaders))
    }

    @Test func absentOrEmptyOptionalHeadersReadAsNil() throws {
        let required = Self.nextHeaders.filter { $0.name.hasSuffix("Request-Id") || $0.name.hasSuffix("Deadline-Ms") }
        let bare = try Self.invocation(required + [(name: "Lambda-Runtime-Trace-Id", value: "")])
        #expect(bare.context.traceID == nil)
        #expect(bare.context.clientContext == nil)
        #expect(bare.context.cognitoIdentity == nil)
        #expect(bare.context.invokedFunctionARN == "")
    }

    @Test func theHeaderLengthsTheOnePassReaderKnowsAreTheNames() {
        #expect(LambdaInvocation.Header.all.map(\.utf8.count) == [29, 26, 35, 23, 29, 31])
    }

    @Test func headerNamesMatchInAnyCaseAndTheFirstOfANameWins() throws {
        var headers = Self.nextHeaders.map { (name: $0.name.lowercased(), value: $0.value) }
        headers.append((name: "LAMBDA-RUNTIME-AWS-REQUEST-ID", value: "second"))
        // Same length as the request id header, differing only past the common prefix.
        headers.insert((name: "Lambda-Runtime-Aws-Request-Ix", value: "not it"), at: 0)
        let invocation = try Self.invocation(headers)
        #expect(invocation.context.requestID == "8476a536-e9f4-11e8-9739-2dfe598c3fcd")
        #expect(invocation.context.traceID == "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1")
        // The lookup by name reads the same.
        let response = HTTPResponse(status: 200, headers: headers, body: [])
        #expect(try LambdaInvocation(event: [], header: response.header).context == invocation.context)
    }

    @Test(arguments: ["Lambda-Runtime-Aws-Request-Id", "Lambda-Runtime-Deadline-Ms"])
    func aMissingRequiredHeaderIsAnInvalidInvocation(header: String) {
        let headers = Self.nextHeaders.filter { $0.name != header }
        #expect(throws: LambdaRuntimeError.invalidInvocation) { try Self.invocation(headers) }
    }

    @Test(arguments: ["", "-1542409706888", "+1542409706888", "1542409706.888", "15424O9706888", " 1542409706888", "99999999999999999999"])
    func aMalformedDeadlineIsAnInvalidInvocation(deadline: String) {
        let headers = Self.nextHeaders.map { $0.name == "Lambda-Runtime-Deadline-Ms" ? (name: $0.name, value: deadline) : $0 }
        #expect(throws: LambdaRuntimeError.invalidInvocation) { try Self.invocation(headers) }
    }

    // MARK: - Deadline

    @Test(arguments: [
        (1_000_000 as Int64, 999_250 as Int64, Duration.milliseconds(750)),
        (1_000_000, 1_000_000, .zero),
        (1_000_000, 1_000_001, .zero),
        (1_542_409_706_888, 1_542_409_703_888, .seconds(3)),
    ])
    func remainingTimeCountsDownToTheDeadlineAndStopsAtZero(deadline: Int64, now: Int64, remaining: Duration) {
        let context = LambdaInvocation.fake("id", event: "", deadline: deadline).context
        #expect(context.remainingTime(now: LambdaClock.Instant(millisecondsSinceEpoch: now)) == remaining)
    }

    @Test func instantsMoveByWholeMilliseconds() {
        let instant = LambdaClock.Instant(millisecondsSinceEpoch: 1_542_409_706_888)
        #expect(instant.advanced(by: .milliseconds(1500)).millisecondsSinceEpoch == 1_542_409_708_388)
        #expect(instant.advanced(by: .microseconds(-2500)).millisecondsSinceEpoch == 1_542_409_706_886)
        #expect(instant.duration(to: LambdaClock.Instant(millisecondsSinceEpoch: 1_542_409_706_000)) == .milliseconds(-888))
        #expect(instant.description == "1542409706888")
        #expect(LambdaClock.Instant(millisecondsSinceEpoch: "1542409706888") == instant)
    }

    @Test func theClockReadsTheWallClock() {
        let before = Int64(time(nil))
        let now = LambdaClock().now
        let after = Int64(time(nil))
        #expect((before...after).contains(now.millisecondsSinceEpoch / 1000))
    }

    @Test func sleepingUntilAPassedDeadlineReturnsAtOnce() async throws {
        let clock = LambdaClock()
        try await clock.sleep(until: clock.now.advanced(by: .seconds(-60)))
        let deadline = clock.now.advanced(by: .milliseconds(20))
        try await clock.sleep(until: deadline)
        #expect(clock.now >= deadline)
    }

    // MARK: - Environment

    @Test func theEnvironmentIsReadFromTheProcess() {
        setenv("QUIZ_RUNTIME_TEST_VARIABLE", "a=b;c", 1)
        defer { unsetenv("QUIZ_RUNTIME_TEST_VARIABLE") }
        let variables = LambdaRuntime.environmentVariables()
        // Only the first `=` separates the name: the value keeps the rest.
        #expect(variables["QUIZ_RUNTIME_TEST_VARIABLE"] == "a=b;c")
        #expect(variables["PATH"] == getenv("PATH").map { String(cString: $0) })
    }
}
