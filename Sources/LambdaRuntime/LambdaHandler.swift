/// The code a Lambda function runs for each invocation: event bytes in, response bytes out.
///
/// The runtime loop knows nothing of JSON or HTTP: decoding the event and encoding the answer
/// belong to the handler, so one bootstrap can serve API Gateway events, scheduled events or
/// anything else. A handler is made once per process by the factory given to
/// ``LambdaRuntime/run(handlerFactory:)`` and then serves every invocation, so it is the place
/// for state that outlives an invocation: a table client, a connection. With
/// `AWS_LAMBDA_MAX_CONCURRENCY` above 1 (Lambda Managed Instances) it serves several at once,
/// from several threads: what it shares between invocations must be safe for that, as
/// `Sendable` requires.
///
/// ```swift
/// struct Greeter: LambdaHandler {
///     func handle(_ event: [UInt8], context: LambdaContext) async throws -> [UInt8] {
///         Array(#"{"hello":"world"}"#.utf8)
///     }
/// }
/// ```
public protocol LambdaHandler: Sendable {
    /// Handles one invocation and returns the response body, at most 6 MB.
    ///
    /// A thrown error is reported to Lambda as this invocation's error, with the error's type
    /// name as `errorType` and its description as `errorMessage`, and the loop goes on to the
    /// next invocation; so an error's description must hold nothing secret.
    func handle(_ event: [UInt8], context: LambdaContext) async throws -> [UInt8]
}

/// A ``LambdaHandler`` made of a closure, for small functions and tests.
///
/// ```swift
/// LambdaRuntime.run { LambdaClosureHandler { event, _ in event } }
/// ```
public struct LambdaClosureHandler: LambdaHandler {
    private let body: @Sendable ([UInt8], LambdaContext) async throws -> [UInt8]

    /// A handler that runs `body` for every invocation.
    public init(_ body: @escaping @Sendable (_ event: [UInt8], _ context: LambdaContext) async throws -> [UInt8]) {
        self.body = body
    }

    /// Runs the closure.
    public func handle(_ event: [UInt8], context: LambdaContext) async throws -> [UInt8] {
        try await body(event, context)
    }
}
