/// The four calls a runtime makes to the Lambda Runtime API
/// ([Runtime API](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html)): the seam
/// between the run loop and the network, so the loop can be tested against a fake.
///
/// Every method throws ``LambdaRuntimeError`` and nothing else. An error about one invocation
/// (``LambdaRuntimeError/concernsOneInvocation``, and ``LambdaRuntimeError/Code/responseTooLarge``
/// from ``respond(to:with:)``) is reported for it; any other means the Runtime API cannot be used
/// any more and the process must end.
///
/// The calls are synchronous on purpose. A loop serves one invocation at a time (with
/// `AWS_LAMBDA_MAX_CONCURRENCY`, several loops run, each with its own client), so while it waits
/// on the Runtime API there is no other work for its thread; ``LambdaRuntime/run(handlerFactory:)``
/// runs each loop on a thread of its own (an `InvocationThread`, the task's executor preference),
/// so a blocking call occupies that thread and never one of Swift's cooperative pool, and the
/// handler runs on it too, without a thread hop per invocation.
/// Conforming types need not be `Sendable`: the loop keeps its client in one isolation domain.
public protocol LambdaRuntimeClient {
    /// Waits for the next invocation: `GET /runtime/invocation/next`, with no time limit,
    /// since the environment may be frozen for any length of time while it waits.
    func next() throws(LambdaRuntimeError) -> LambdaInvocation

    /// Sends the handler's response for an invocation:
    /// `POST /runtime/invocation/{requestID}/response`. Throws
    /// ``LambdaRuntimeError/Code/responseTooLarge`` when the Runtime API refuses the body with 413.
    func respond(to requestID: String, with response: [UInt8]) throws(LambdaRuntimeError)

    /// Reports that an invocation failed: `POST /runtime/invocation/{requestID}/error`, with
    /// `Lambda-Runtime-Function-Error-Type` and the report as its JSON body.
    func fail(invocation requestID: String, with error: LambdaErrorReport) throws(LambdaRuntimeError)

    /// Reports that the function could not start: `POST /runtime/init/error`, with
    /// `Lambda-Runtime-Function-Error-Type` and the report as its JSON body.
    func initFailed(with error: LambdaErrorReport) throws(LambdaRuntimeError)
}
