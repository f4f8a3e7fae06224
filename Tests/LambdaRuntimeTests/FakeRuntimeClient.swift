import LambdaRuntime
import Synchronization

/// An in-process Runtime API: hands out scripted invocations and records every call, in order.
///
/// Once the script is used up, `next` fails as the real Runtime API's "Container error" does
/// (500), which is also how a test run of the loop ends.
final class FakeRuntimeClient: LambdaRuntimeClient {
    /// One call the loop made.
    enum Call: Equatable, CustomStringConvertible {
        case next
        case respond(requestID: String, body: [UInt8])
        case fail(requestID: String, report: LambdaErrorReport)
        case initFailed(LambdaErrorReport)

        var description: String {
            switch self {
            case .next: "next"
            case .respond(let id, let body):
                // Long bodies by size: a failure message with megabytes of text helps no one.
                body.count <= 200
                    ? "respond(\(id), \(String(decoding: body, as: UTF8.self)))" : "respond(\(id), \(body.count) bytes)"
            case .fail(let id, let report): "fail(\(id), \(report.errorType): \(report.errorMessage))"
            case .initFailed(let report): "initFailed(\(report.errorType): \(report.errorMessage))"
            }
        }
    }

    /// What `next` does, in order.
    enum NextAnswer {
        case invocation(LambdaInvocation)
        case failure(LambdaRuntimeError)
    }

    /// The error `next` throws once the script is used up.
    static let containerError = LambdaRuntimeError(.unexpectedStatus, "fake: container error", status: 500)

    private let script: [NextAnswer]
    /// The next answer's place in `script`.
    private var nextIndex = 0
    /// Errors that `respond` throws for these request ids, instead of accepting the response.
    var respondFailures: [String: LambdaRuntimeError] = [:]
    /// The error `fail` throws, when set.
    var failFailure: LambdaRuntimeError?
    /// The error `initFailed` throws, when set.
    var initFailedFailure: LambdaRuntimeError?
    /// Every call so far.
    private(set) var calls: [Call] = []

    init(_ script: [NextAnswer]) {
        self.script = script
    }

    func next() throws(LambdaRuntimeError) -> LambdaInvocation {
        calls.append(.next)
        guard nextIndex < script.count else { throw Self.containerError }
        nextIndex += 1
        switch script[nextIndex - 1] {
        case .invocation(let invocation): return invocation
        case .failure(let error): throw error
        }
    }

    func respond(to requestID: String, with response: [UInt8]) throws(LambdaRuntimeError) {
        calls.append(.respond(requestID: requestID, body: response))
        if let failure = respondFailures[requestID] { throw failure }
    }

    func fail(invocation requestID: String, with error: LambdaErrorReport) throws(LambdaRuntimeError) {
        calls.append(.fail(requestID: requestID, report: error))
        if let failFailure { throw failFailure }
    }

    func initFailed(with error: LambdaErrorReport) throws(LambdaRuntimeError) {
        calls.append(.initFailed(error))
        if let initFailedFailure { throw initFailedFailure }
    }
}

// MARK: - Building invocations

extension LambdaInvocation {
    /// An invocation with `event` as UTF-8 and a context made of the rest.
    static func fake(
        _ requestID: String, event: String, deadline: Int64 = 1_800_000_000_000, traceID: String? = nil,
        clientContext: String? = nil, cognitoIdentity: String? = nil
    ) -> LambdaInvocation {
        LambdaInvocation(
            event: Array(event.utf8),
            context: LambdaContext(
                requestID: requestID,
                deadline: LambdaClock.Instant(millisecondsSinceEpoch: deadline),
                invokedFunctionARN: "arn:aws:lambda:eu-west-1:123456789012:function:quiz",
                traceID: traceID,
                clientContext: clientContext,
                cognitoIdentity: cognitoIdentity))
    }
}

/// Thread-safe storage for what a handler saw, read by the test after the loop ends.
final class Seen<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    func append(_ value: Value) {
        values.withLock { $0.append(value) }
    }

    var all: [Value] {
        values.withLock { $0 }
    }
}

/// An error with a description of the test's choosing.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
}

/// Runs the loop until it stops and returns why; the loop has no other way to end.
func runUntilStopped<Handler: LambdaHandler>(
    _ client: FakeRuntimeClient, handlerFactory: () async throws -> Handler
) async -> LambdaRuntimeError {
    do throws(LambdaRuntimeError) {
        try await LambdaRuntime.run(client: client, handlerFactory: handlerFactory)
    } catch {
        return error
    }
}
