// @preconcurrency: the C library's `stdout` is a mutable global, which Swift 6 refuses to touch
// otherwise; the entry point sets its buffering once, before anything else runs.
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
@preconcurrency import Darwin
#endif

/// A custom-runtime `bootstrap`: the loop that takes invocations from the Lambda Runtime API,
/// runs a ``LambdaHandler`` on each and posts back its response or its error
/// ([custom runtimes](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html)).
///
/// A function's `main.swift` is one call:
///
/// ```swift
/// await LambdaRuntime.run {
///     try QuizHandler(configuration: .fromEnvironment())
/// }
/// ```
///
/// The loop reports a handler's error for its invocation and goes on; only a failure to
/// initialise, or a Runtime API that can no longer be used, ends the process.
public enum LambdaRuntime {
    /// The variable that holds the Runtime API's `host:port`.
    public static let runtimeAPIVariable = "AWS_LAMBDA_RUNTIME_API"
    /// The variable that holds the current invocation's X-Ray trace header while it runs, for
    /// the X-Ray SDKs and anything else that reads it.
    public static let traceIDVariable = "_X_AMZN_TRACE_ID"

    // MARK: - Entry point

    /// Runs the function until the execution environment goes away, then exits the process.
    ///
    /// Reads `AWS_LAMBDA_RUNTIME_API`, connects one ``CurlLambdaRuntimeClient`` and runs
    /// ``run(client:isolation:handlerFactory:)``. When the loop stops it writes one JSON line
    /// with the reason to standard error (Lambda puts it in the function's log) and exits with
    /// ``LambdaRuntimeError/exitStatus``, which is never 0.
    ///
    /// The loop runs nonisolated on a thread of its own (an `InvocationThread`), set as the task's
    /// executor preference, so the handler, a nonisolated async function, runs on that same
    /// thread without a hop to the cooperative pool and back per invocation, and the loop's
    /// blocking Runtime API calls never occupy a thread of the cooperative pool.
    ///
    /// Main-actor isolated only as the entry point `main.swift` calls from; the factory is
    /// `sending` because it is handed to the loop's thread.
    @MainActor
    public static func run<Handler: LambdaHandler>(handlerFactory: sending () async throws -> Handler) async -> Never {
        // Line-buffered stdout: Lambda reads the function's log from a pipe, where the C
        // library would otherwise hold lines back until 4 KiB had gathered or the process ended.
        setvbuf(stdout, nil, _IOLBF, 0)
        do throws(LambdaRuntimeError) {
            guard let endpoint = getenv(runtimeAPIVariable).map({ String(cString: $0) }), !endpoint.isEmpty else {
                throw LambdaRuntimeError.missingRuntimeAPI
            }
            try await serveOnInvocationThread(endpoint: endpoint, handlerFactory: handlerFactory)
        } catch {
            // One write(2) of the whole line, so it cannot interleave with other output.
            let line = terminationLogLine(for: error)
            _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            exit(error.exitStatus)
        }
    }

    /// Connects to the Runtime API at `endpoint` and runs the loop, nonisolated, with a new
    /// `InvocationThread` as the task's executor preference, so both run on that thread.
    private nonisolated static func serveOnInvocationThread<Handler: LambdaHandler>(
        endpoint: String, handlerFactory: sending () async throws -> Handler
    ) async throws(LambdaRuntimeError) -> Never {
        try await withTaskExecutorPreference(InvocationThread(), isolation: nil) { () async throws(LambdaRuntimeError) in
            let client = try CurlLambdaRuntimeClient(endpoint: endpoint)
            try await run(client: client, isolation: nil, handlerFactory: handlerFactory)
        }
        // The closure ends only by throwing: the loop never returns.
        preconditionFailure("the Lambda run loop returned")
    }

    // MARK: - Run loop

    /// Initialises a handler, then serves invocations from `client` until the Runtime API can no
    /// longer be used. Never returns: it ends only by throwing the reason it stopped, which the
    /// caller turns into an exit status.
    ///
    /// 1. Runs `handlerFactory` once. If it throws, posts the error to `/runtime/init/error`
    ///    ([initialization error](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-initerror))
    ///    and throws ``LambdaRuntimeError/Code/initializationFailed``.
    /// 2. For each invocation from ``LambdaRuntimeClient/next()``: exports its trace id as
    ///    `_X_AMZN_TRACE_ID` (removing the variable when it has none), runs the handler, and
    ///    posts its response, or its error, for that request id. A response the Runtime API
    ///    refuses as too large (413) is reported as `Function.ResponseSizeTooLarge`. The
    ///    variable is removed again once the handler has returned.
    /// 3. Any ``LambdaRuntimeError`` from the client but that 413 is thrown as it is: the
    ///    Runtime API's 500 means "Non-recoverable state. Runtime should exit promptly".
    ///
    /// The loop runs in the caller's isolation and keeps `client` there, so the client need not
    /// be `Sendable`; the handler runs in its own (nonisolated) context.
    public static func run<Client: LambdaRuntimeClient, Handler: LambdaHandler>(
        client: Client,
        isolation: isolated (any Actor)? = #isolation,
        handlerFactory: () async throws -> Handler
    ) async throws(LambdaRuntimeError) -> Never {
        let handler: Handler
        do {
            handler = try await handlerFactory()
        } catch {
            try reportInitializationFailure(error, to: client)
        }
        while true {
            let invocation = try client.next()
            try await serve(invocation, with: handler, client: client)
        }
    }

    /// Runs the handler on one invocation and posts its outcome.
    private static func serve<Client: LambdaRuntimeClient, Handler: LambdaHandler>(
        _ invocation: LambdaInvocation,
        with handler: Handler,
        client: Client,
        isolation: isolated (any Actor)? = #isolation
    ) async throws(LambdaRuntimeError) {
        let requestID = invocation.context.requestID
        let outcome: Result<[UInt8], any Error>
        exportTraceID(invocation.context.traceID)
        do {
            outcome = .success(try await handler.handle(invocation.event, context: invocation.context))
        } catch {
            outcome = .failure(error)
        }
        exportTraceID(nil)

        switch outcome {
        case .success(let response):
            do throws(LambdaRuntimeError) {
                try client.respond(to: requestID, with: response)
            } catch where error.code == .responseTooLarge {
                // The invocation is still open after a 413; without an error post its caller
                // would wait until the function's timeout.
                try client.fail(invocation: requestID, with: .responseTooLarge(byteCount: response.count))
            }
        case .failure(let error):
            try client.fail(invocation: requestID, with: LambdaErrorReport(error))
        }
    }

    /// Posts the factory's error to `/runtime/init/error`, then throws the termination reason.
    private static func reportInitializationFailure(
        _ error: any Error, to client: some LambdaRuntimeClient
    ) throws(LambdaRuntimeError) -> Never {
        var reason = LambdaRuntimeError.initializationFailed(error)
        do {
            try client.initFailed(with: LambdaErrorReport(error))
        } catch {
            // The process ends either way; the log says the report was lost too.
            reason.message += "; reporting it to /runtime/init/error failed too (\(error))"
        }
        throw reason
    }

    // MARK: - Environment and log

    /// Sets `_X_AMZN_TRACE_ID` to `traceID`, or removes it for `nil`, so that no invocation
    /// ever sees the trace header of an earlier one.
    ///
    /// `setenv` is not safe against a concurrent `getenv` on another thread; this runs only
    /// between invocations, when the handler is not running, as Lambda's own runtimes do it.
    static func exportTraceID(_ traceID: String?) {
        if let traceID {
            setenv(traceIDVariable, traceID, 1)
        } else {
            unsetenv(traceIDVariable)
        }
    }

    /// The JSON log line for a loop that stopped with `error`, newline included.
    static func terminationLogLine(for error: LambdaRuntimeError) -> [UInt8] {
        var line: [UInt8] = []
        line += #"{"level":"FATAL","logger":"LambdaRuntime","message":"#.utf8
        LambdaErrorReport.appendJSONString("the runtime is stopping: \(error)", to: &line)
        line += #","errorType":"#.utf8
        LambdaErrorReport.appendJSONString("Runtime.\(error.code.rawValue)", to: &line)
        line += #","exitStatus":\#(error.exitStatus)}"#.utf8
        line.append(UInt8(ascii: "\n"))
        return line
    }
}
