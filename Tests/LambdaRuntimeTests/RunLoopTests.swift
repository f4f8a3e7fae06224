import CurlHTTP
import LambdaRuntime
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The run loop against an in-process fake Runtime API: the exact sequence of calls for each
/// path through it. Serialized: the loop sets and clears `_X_AMZN_TRACE_ID` in this process.
@Suite(.serialized) struct RunLoopTests {
    /// A handler that answers `reply:` followed by the event.
    static let replying = LambdaClosureHandler { event, _ in Array("reply:".utf8) + event }

    // MARK: - Responses and errors

    @Test func postsEachResponseForItsRequestID() async {
        let client = FakeRuntimeClient([
            .invocation(.fake("id-1", event: "one")),
            .invocation(.fake("id-2", event: "two")),
        ])
        let stop = await runUntilStopped(client) { Self.replying }

        #expect(client.calls == [
            .next,
            .respond(requestID: "id-1", body: Array("reply:one".utf8)),
            .next,
            .respond(requestID: "id-2", body: Array("reply:two".utf8)),
            .next,
        ])
        #expect(stop.code == .unexpectedStatus)
        #expect(stop.status == 500)
    }

    @Test func reportsAHandlerErrorForItsInvocationAndGoesOn() async {
        let client = FakeRuntimeClient([
            .invocation(.fake("id-1", event: "fail")),
            .invocation(.fake("id-2", event: "two")),
        ])
        let handler = LambdaClosureHandler { event, _ in
            if event == Array("fail".utf8) { throw TestFailure(description: "no session \"s-1\"") }
            return event
        }
        let stop = await runUntilStopped(client) { handler }

        #expect(client.calls == [
            .next,
            .fail(requestID: "id-1", report: LambdaErrorReport(errorType: "TestFailure", errorMessage: #"no session "s-1""#)),
            .next,
            .respond(requestID: "id-2", body: Array("two".utf8)),
            .next,
        ])
        #expect(stop == .unexpectedStatus)
    }

    @Test func reportsARefusedOversizedResponseAsAFunctionErrorAndGoesOn() async {
        let client = FakeRuntimeClient([
            .invocation(.fake("big", event: "x")),
            .invocation(.fake("small", event: "y")),
        ])
        client.respondFailures["big"] = .responseTooLarge
        let large = [UInt8](repeating: 0x61, count: 7 * 1024 * 1024)
        let handler = LambdaClosureHandler { event, _ in event == Array("x".utf8) ? large : event }
        _ = await runUntilStopped(client) { handler }

        #expect(client.calls == [
            .next,
            .respond(requestID: "big", body: large),
            .fail(
                requestID: "big",
                report: LambdaErrorReport(
                    errorType: "Function.ResponseSizeTooLarge",
                    errorMessage: "Response payload size (7340032 bytes) exceeded maximum allowed payload size.")),
            .next,
            .respond(requestID: "small", body: Array("y".utf8)),
            .next,
        ])
    }

    // MARK: - Initialisation

    @Test func runsTheFactoryOnceBeforeTheFirstInvocation() async {
        let client = FakeRuntimeClient([
            .invocation(.fake("id-1", event: "a")), .invocation(.fake("id-2", event: "b")),
        ])
        let factoryRuns = Seen<Int>()
        _ = await runUntilStopped(client) {
            factoryRuns.append(client.calls.count)
            return Self.replying
        }
        // Run once, when no call had been made yet.
        #expect(factoryRuns.all == [0])
        #expect(client.calls.filter { $0 == .next }.count == 3)
    }

    @Test func aFailedFactoryIsReportedAsAnInitErrorAndStopsTheLoop() async {
        let client = FakeRuntimeClient([.invocation(.fake("id-1", event: "never served"))])
        let stop = await runUntilStopped(client) { () async throws -> LambdaClosureHandler in
            throw TestFailure(description: "QUIZ_STORE_URL is not a store URL")
        }

        #expect(client.calls == [
            .initFailed(LambdaErrorReport(errorType: "TestFailure", errorMessage: "QUIZ_STORE_URL is not a store URL"))
        ])
        #expect(stop.code == .initializationFailed)
        #expect(stop.exitStatus == 1)
        #expect((stop.underlying as? TestFailure)?.description == "QUIZ_STORE_URL is not a store URL")
    }

    @Test func aFailedFactoryStillStopsTheLoopWhenTheInitErrorCannotBePosted() async {
        let client = FakeRuntimeClient([])
        client.initFailedFailure = FakeRuntimeClient.containerError
        let stop = await runUntilStopped(client) { () async throws -> LambdaClosureHandler in
            throw TestFailure(description: "unreachable store")
        }

        #expect(client.calls.count == 1)
        #expect(stop.code == .initializationFailed)
        #expect(stop.message.contains("reporting it to /runtime/init/error failed too"))
    }

    // MARK: - Runtime API failures

    @Test(arguments: [
        LambdaRuntimeError(.unexpectedStatus, "500 on next", status: 500),
        LambdaRuntimeError(.connectionFailed, "connection refused"),
    ])
    func aRuntimeAPIThatIsGoneStopsTheLoopWithItsError(failure: LambdaRuntimeError) async {
        let client = FakeRuntimeClient([.invocation(.fake("id-1", event: "a")), .failure(failure)])
        let stop = await runUntilStopped(client) { Self.replying }

        #expect(client.calls == [.next, .respond(requestID: "id-1", body: Array("reply:a".utf8)), .next])
        #expect(stop.code == failure.code)
        #expect(stop.message == failure.message)
        #expect(stop.exitStatus == 2)
    }

    // MARK: - Invocations that cannot be received

    @Test(arguments: [
        (LambdaRuntimeError(.eventTooLarge, "the event is over the runtime's limit of 16777216 bytes", requestID: "bad"), "Runtime.EventTooLarge"),
        (LambdaRuntimeError(.eventNotReceived, "the event could not be received whole: connectionFailed", requestID: "bad"), "Runtime.EventNotReceived"),
        (LambdaRuntimeError(.invalidInvocation, "the invocation has no valid Lambda-Runtime-Deadline-Ms header", requestID: "bad"), "Runtime.InvalidInvocation"),
    ])
    func anInvocationThatCannotBeReceivedIsReportedAndTheLoopGoesOn(failure: LambdaRuntimeError, errorType: String) async {
        let client = FakeRuntimeClient([.failure(failure), .invocation(.fake("id-2", event: "two"))])
        let stop = await runUntilStopped(client) { Self.replying }

        #expect(client.calls == [
            .next,
            .fail(requestID: "bad", report: LambdaErrorReport(errorType: errorType, errorMessage: failure.message)),
            .next,
            .respond(requestID: "id-2", body: Array("reply:two".utf8)),
            .next,
        ])
        #expect(stop == .unexpectedStatus)
    }

    @Test func anInvocationWithoutARequestIDIsSkippedAndTheLoopGoesOn() async {
        let client = FakeRuntimeClient([
            .failure(LambdaRuntimeError(.invalidInvocation, "no request id")),
            .invocation(.fake("id-2", event: "two")),
        ])
        let stop = await runUntilStopped(client) { Self.replying }

        #expect(client.calls == [.next, .next, .respond(requestID: "id-2", body: Array("reply:two".utf8)), .next])
        #expect(stop == .unexpectedStatus)
    }

    @Test func aRuntimeAPIThatNeverSaysWhichInvocationItIsStopsTheLoop() async {
        let unidentified = LambdaRuntimeError(.invalidInvocation, "no request id")
        let client = FakeRuntimeClient(Array(repeating: .failure(unidentified), count: LambdaRuntime.unidentifiedAnswerLimit + 5))
        let stop = await runUntilStopped(client) { Self.replying }

        #expect(client.calls == Array(repeating: .next, count: LambdaRuntime.unidentifiedAnswerLimit))
        #expect(stop == .invalidInvocation)
        #expect(stop.exitStatus == 2)
    }

    @Test func aFailedErrorPostForAnUnreceivedEventStopsTheLoop() async {
        let client = FakeRuntimeClient([
            .failure(LambdaRuntimeError(.eventNotReceived, "cut off", requestID: "bad")), .invocation(.fake("id-2", event: "b")),
        ])
        client.failFailure = LambdaRuntimeError(.connectionFailed, "refused")
        let stop = await runUntilStopped(client) { Self.replying }

        #expect(client.calls.count == 2)
        #expect(stop == .connectionFailed)
    }

    @Test func aFailedResponsePostStopsTheLoopWithoutAnotherNext() async {
        let client = FakeRuntimeClient([.invocation(.fake("id-1", event: "a")), .invocation(.fake("id-2", event: "b"))])
        client.respondFailures["id-1"] = LambdaRuntimeError(.unexpectedStatus, "500 on response", status: 500)
        let stop = await runUntilStopped(client) { Self.replying }

        #expect(client.calls == [.next, .respond(requestID: "id-1", body: Array("reply:a".utf8))])
        #expect(stop.status == 500)
    }

    @Test func aFailedErrorPostStopsTheLoopWithoutAnotherNext() async {
        let client = FakeRuntimeClient([.invocation(.fake("id-1", event: "a")), .invocation(.fake("id-2", event: "b"))])
        client.failFailure = LambdaRuntimeError(.connectionFailed, "reset")
        let handler = LambdaClosureHandler { _, _ in throw TestFailure(description: "bad") }
        let stop = await runUntilStopped(client) { handler }

        #expect(client.calls.count == 2)
        #expect(stop.code == .connectionFailed)
    }

    // MARK: - Context and trace id

    @Test func passesEachInvocationsContextToTheHandler() async {
        let first = LambdaInvocation.fake(
            "id-1", event: "{}", deadline: 1_700_000_000_123, clientContext: #"{"client":{"app_title":"quiz"}}"#,
            cognitoIdentity: #"{"cognitoIdentityId":"eu-west-1:abc"}"#)
        let second = LambdaInvocation.fake("id-2", event: "{}", deadline: 1_700_000_009_999)
        let client = FakeRuntimeClient([.invocation(first), .invocation(second)])
        let contexts = Seen<LambdaContext>()
        let handler = LambdaClosureHandler { event, context in
            contexts.append(context)
            return event
        }
        _ = await runUntilStopped(client) { handler }

        #expect(contexts.all == [first.context, second.context])
        #expect(contexts.all.first?.clientContext == #"{"client":{"app_title":"quiz"}}"#)
        #expect(contexts.all.last?.deadline.millisecondsSinceEpoch == 1_700_000_009_999)
    }

    @Test func bindsEachInvocationsTraceHeaderForItsTaskAndItsChildren() async {
        let client = FakeRuntimeClient([
            .invocation(.fake("id-1", event: "a", traceID: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1")),
            .invocation(.fake("id-2", event: "b", traceID: nil)),
        ])
        let seen = Seen<[String?]>()
        let handler = LambdaClosureHandler { event, _ in
            async let child = TraceHeader.current
            let detached = await Task.detached { TraceHeader.current }.value
            seen.append([TraceHeader.current, await child, detached])
            return event
        }
        _ = await runUntilStopped(client) { handler }

        // A child task inherits the invocation's header; a detached task does not.
        #expect(seen.all == [["Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1", nil], [nil, nil, nil]])
        #expect(TraceHeader.current == nil)
    }

    @Test func exportsEachInvocationsTraceIDAndRemovesIt() async {
        setenv(LambdaRuntime.traceIDVariable, "Root=1-stale", 1)
        let client = FakeRuntimeClient([
            .invocation(.fake("id-1", event: "a", traceID: nil)),
            .invocation(.fake("id-2", event: "b", traceID: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1")),
            .invocation(.fake("id-3", event: "c", traceID: "Root=1-5bef4de7-000000000000000000000002;Sampled=0")),
        ])
        let exported = Seen<String?>()
        let handler = LambdaClosureHandler { event, _ in
            exported.append(getenv(LambdaRuntime.traceIDVariable).map { String(cString: $0) })
            return event
        }
        _ = await runUntilStopped(client) { handler }

        // The first invocation has no trace id: it must not see the one set before the loop.
        #expect(exported.all == [
            nil,
            "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1",
            "Root=1-5bef4de7-000000000000000000000002;Sampled=0",
        ])
        #expect(getenv(LambdaRuntime.traceIDVariable) == nil)
    }

    /// glibc's `setenv` keeps a copy of every value it was given, for good: a trace header per
    /// invocation grew every worker by ~140 bytes an invocation. The loop writes the variable
    /// into one entry of its own instead, so 10,000 invocations with 10,000 headers leave the
    /// variable at the same address, with the right value each time, also after a handler set
    /// it itself and after a longer header.
    @Test func exportsEveryTraceIDIntoOneEntryOfTheEnvironment() async {
        let count = 10_000
        var invocations: [FakeRuntimeClient.NextAnswer] = (0..<count).map { index in
            .invocation(.fake("id-\(index)", event: "a", traceID: "Root=1-5bef4de7-\(String(index, radix: 16).leftPadded(to: 24));Sampled=1"))
        }
        invocations.append(.invocation(.fake("handler-sets-it", event: "setenv", traceID: "Root=1-5bef4de7-000000000000000000000001;Sampled=1")))
        invocations.append(.invocation(.fake("after-the-handler", event: "a", traceID: "Root=1-5bef4de7-000000000000000000000002;Sampled=1")))
        let long = "Root=1-5bef4de7-000000000000000000000003;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=" + String(repeating: "a", count: 400)
        invocations.append(.invocation(.fake("longer", event: "a", traceID: long)))
        invocations.append(.invocation(.fake("after-the-longer", event: "a", traceID: "Root=1-5bef4de7-000000000000000000000004;Sampled=1")))
        let client = FakeRuntimeClient(invocations)
        let seen = Seen<Exported>()
        let handler = LambdaClosureHandler { event, _ in
            let value = getenv(LambdaRuntime.traceIDVariable)
            seen.append(Exported(value: value.map { String(cString: $0) }, address: value.map { UInt(bitPattern: $0) } ?? 0))
            if event == Array("setenv".utf8) { setenv(LambdaRuntime.traceIDVariable, "set by the handler", 1) }
            return event
        }
        _ = await runUntilStopped(client) { handler }

        let all = seen.all
        let expected = invocations.map { step -> String? in
            guard case .invocation(let invocation) = step else { return nil }
            return invocation.context.traceID
        }
        #expect(all.map(\.value) == expected)
        // The first 10,000 and the one after the handler's setenv share one entry.
        #expect(Set(all[0..<count].map(\.address)).count == 1)
        #expect(all[count + 1].address == all[0].address)
        // The longer header needed a larger entry, which the next one reuses.
        #expect(all[count + 2].address != all[0].address)
        #expect(all[count + 3].address == all[count + 2].address)
        #expect(getenv(LambdaRuntime.traceIDVariable) == nil)
    }

    struct Exported: Equatable, Sendable {
        let value: String?
        let address: UInt
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
