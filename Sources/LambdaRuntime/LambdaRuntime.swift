import CurlHTTP
import Synchronization

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
/// A function's `main.swift` is one call (the quiz functions make it through
/// `QuizBootstrap.runLambda(_:)`):
///
/// ```swift
/// LambdaRuntime.run {
///     LambdaClosureHandler { event, _ in event }  // answers every event with its own bytes
/// }
/// ```
///
/// The loop reports a handler's error for its invocation and goes on, and so it does for an
/// invocation whose event cannot be received or read; only a failure to initialise, or a
/// Runtime API that is gone, ends the process. With `AWS_LAMBDA_MAX_CONCURRENCY` above 1
/// (Lambda Managed Instances) it runs that many loops at once. `docs/runtime.md` describes it all.
public enum LambdaRuntime {
    /// The variable that holds the Runtime API's `host:port`.
    public static let runtimeAPIVariable = "AWS_LAMBDA_RUNTIME_API"
    /// The variable that holds the current invocation's X-Ray trace header while it runs, for
    /// the X-Ray SDKs and anything else that reads it; set only when the process serves one
    /// invocation at a time.
    public static let traceIDVariable = "_X_AMZN_TRACE_ID"
    /// The variable Lambda Managed Instances set to the number of invocations one execution
    /// environment may serve at once.
    public static let maximumConcurrencyVariable = "AWS_LAMBDA_MAX_CONCURRENCY"

    /// How many of the Runtime API's `next`–`response` loops to run at once for a value of
    /// `AWS_LAMBDA_MAX_CONCURRENCY`: that number, from 1 to 1,024; 1 when it is unset, not a
    /// whole number, or below 2, so a classic Lambda function serves one invocation at a time.
    public static func loopCount(maximumConcurrency value: String?) -> Int {
        guard let value, let count = Int(value), count > 1 else { return 1 }
        return min(count, 1024)
    }

    // MARK: - Entry point

    /// Runs the function until the execution environment goes away, then exits the process.
    /// Call it from `main.swift`, without `await`, so that the bootstrap's `main` stays a plain
    /// synchronous one (below).
    ///
    /// Reads `AWS_LAMBDA_RUNTIME_API` and `AWS_LAMBDA_MAX_CONCURRENCY`, runs the factory once
    /// (posting its error to `/runtime/init/error` if it throws), then serves invocations on
    /// ``loopCount(maximumConcurrency:)`` loops, each with its own ``CurlLambdaRuntimeClient``
    /// (so its own kept-alive connection) on a thread of its own. When a loop stops it writes
    /// one JSON line with the reason to standard error (Lambda puts it in the function's log)
    /// and exits with ``LambdaRuntimeError/exitStatus``, which is never 0.
    ///
    /// Each loop runs nonisolated on an `InvocationThread` set as its task's executor
    /// preference, so the handler, a nonisolated async function, runs on that same thread
    /// without a hop to the cooperative pool and back per invocation, and the blocking Runtime
    /// API calls never occupy a thread of the cooperative pool. The first loop's thread is the
    /// calling thread itself: an asynchronous `main.swift` (one with a top-level `await`) would
    /// hand its main thread to Dispatch's `dispatch_main`, which ends it with `pthread_exit`;
    /// that loads libgcc_s and unwinds the main thread's stack through the binary's unwind
    /// tables at every cold start (docs/runtime.md, "Lean bootstraps"). Nothing drains the main
    /// queue, so a handler must not wait for the main actor.
    public static func run<Handler: LambdaHandler>(handlerFactory: sending @escaping () async throws -> Handler) -> Never {
        // Line-buffered stdout: Lambda reads the function's log from a pipe, where the C
        // library would otherwise hold lines back until 4 KiB had gathered or the process ended.
        setvbuf(stdout, nil, _IOLBF, 0)
        let endpoint: String
        let loops: Int
        do throws(LambdaRuntimeError) {
            guard let value = getenv(runtimeAPIVariable).map({ String(cString: $0) }), !value.isEmpty else {
                throw LambdaRuntimeError.missingRuntimeAPI
            }
            endpoint = value
            loops = loopCount(maximumConcurrency: getenv(maximumConcurrencyVariable).map { String(cString: $0) })
        } catch {
            stop(error)
        }
        if loops > 1 {
            // No process-wide trace header when invocations overlap: a value inherited from
            // the environment would belong to none of them. Removed before any loop runs.
            unsetenv(traceIDVariable)
        }
        let thread = InvocationThread.current()
        Task(executorPreference: thread) {
            do throws(LambdaRuntimeError) {
                try await serveLoops(endpoint: endpoint, loops: loops, handlerFactory: handlerFactory)
            } catch {
                stop(error)
            }
        }
        thread.drain()
    }

    /// Initialises the handler and runs the first loop on the caller's executor; with `loops`
    /// above 1, starts the others, each on a new `InvocationThread` with its own client, once
    /// the handler exists.
    private nonisolated static func serveLoops<Handler: LambdaHandler>(
        endpoint: String, loops: Int, handlerFactory: () async throws -> Handler
    ) async throws(LambdaRuntimeError) -> Never {
        let client = try CurlLambdaRuntimeClient(endpoint: endpoint)
        let handler = try await initialize(client: client, handlerFactory: handlerFactory)
        for _ in 1..<max(1, loops) {
            // Unstructured: a loop never returns, and one that stops ends the process,
            // whatever the others are doing.
            Task(executorPreference: InvocationThread()) {
                do throws(LambdaRuntimeError) {
                    let client = try CurlLambdaRuntimeClient(endpoint: endpoint)
                    try await serve(handler, client: client, exportsTraceVariable: false)
                } catch {
                    stop(error)
                }
            }
        }
        try await serve(handler, client: client, exportsTraceVariable: loops == 1)
    }

    // MARK: - Run loop

    /// Initialises a handler, then serves invocations from `client` until the Runtime API can no
    /// longer be used: ``initialize(client:isolation:handlerFactory:)`` then
    /// ``serve(_:client:exportsTraceVariable:isolation:)``. Never returns: it ends only by
    /// throwing the reason it stopped, which the caller turns into an exit status.
    ///
    /// The loop runs in the caller's isolation and keeps `client` there, so the client need not
    /// be `Sendable`; the handler runs in its own (nonisolated) context.
    public static func run<Client: LambdaRuntimeClient, Handler: LambdaHandler>(
        client: Client,
        isolation: isolated (any Actor)? = #isolation,
        handlerFactory: () async throws -> Handler
    ) async throws(LambdaRuntimeError) -> Never {
        let handler = try await initialize(client: client, handlerFactory: handlerFactory)
        try await serve(handler, client: client)
    }

    /// Runs `handlerFactory` once. If it throws, posts the error to `/runtime/init/error`
    /// ([initialization error](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-initerror))
    /// and throws ``LambdaRuntimeError/Code/initializationFailed``.
    public static func initialize<Client: LambdaRuntimeClient, Handler: LambdaHandler>(
        client: Client,
        isolation: isolated (any Actor)? = #isolation,
        handlerFactory: () async throws -> Handler
    ) async throws(LambdaRuntimeError) -> Handler {
        do {
            return try await handlerFactory()
        } catch {
            var reason = LambdaRuntimeError.initializationFailed(error)
            do {
                try client.initFailed(with: LambdaErrorReport(error))
            } catch {
                // The process ends either way; the log says the report was lost too.
                reason.message += "; reporting it to /runtime/init/error failed too (\(error))"
            }
            throw reason
        }
    }

    /// Serves invocations from `client` with `handler`, one at a time, until the Runtime API can
    /// no longer be used; several of these loops may share one handler.
    ///
    /// 1. For each invocation from ``LambdaRuntimeClient/next()``: binds its trace header as
    ///    `TraceHeader.current` for the handler's task (and, with `exportsTraceVariable`, sets
    ///    `_X_AMZN_TRACE_ID`, removing it when there is none), runs the handler, and posts its
    ///    response, or its error, for that request id. A response the Runtime API refuses as
    ///    too large (413) is reported as `Function.ResponseSizeTooLarge`.
    /// 2. A `next` that fails for one invocation (an event too large or cut off, a missing
    ///    deadline; ``LambdaRuntimeError/concernsOneInvocation``) is reported for that
    ///    invocation, and the loop asks for the next one. Without a request id there is no one
    ///    to report to: the loop logs it and goes on, up to ``unidentifiedAnswerLimit`` such
    ///    answers in a row.
    /// 3. Any other ``LambdaRuntimeError`` is thrown as it is: the Runtime API's 500 means
    ///    "Non-recoverable state. Runtime should exit promptly", and a refused connection that
    ///    it is gone.
    public static func serve<Client: LambdaRuntimeClient, Handler: LambdaHandler>(
        _ handler: Handler,
        client: Client,
        exportsTraceVariable: Bool = true,
        isolation: isolated (any Actor)? = #isolation
    ) async throws(LambdaRuntimeError) -> Never {
        var unidentifiedInARow = 0
        let traceVariable = exportsTraceVariable ? TraceVariable() : nil
        while true {
            let invocation: LambdaInvocation
            do throws(LambdaRuntimeError) {
                invocation = try client.next()
            } catch {
                guard error.concernsOneInvocation else { throw error }
                if let requestID = error.requestID {
                    unidentifiedInARow = 0
                    try client.fail(invocation: requestID, with: error.invocationReport)
                } else {
                    unidentifiedInARow += 1
                    guard unidentifiedInARow < unidentifiedAnswerLimit else { throw error }
                    writeLogLine(level: "ERROR", message: "skipped an invocation that cannot be answered: \(error)", errorType: "Runtime.\(error.code.rawValue)")
                }
                continue
            }
            unidentifiedInARow = 0
            try await serve(invocation, with: handler, client: client, traceVariable: traceVariable)
        }
    }

    /// How many `next` answers in a row may come without a request id before the loop takes
    /// the Runtime API for broken and stops: the real one always sends it.
    public static let unidentifiedAnswerLimit = 16

    /// Runs the handler on one invocation and posts its outcome. With a `traceVariable`,
    /// `_X_AMZN_TRACE_ID` holds the invocation's trace header while the handler runs.
    ///
    /// Writing the process's environment is not safe against a concurrent `getenv` on another
    /// thread; it happens only between invocations of a process that serves one at a time, when
    /// the handler is not running, as Lambda's own runtimes do it. With several loops the
    /// variable is never set: a process-wide value cannot belong to one of several invocations
    /// in flight.
    private static func serve<Client: LambdaRuntimeClient, Handler: LambdaHandler>(
        _ invocation: LambdaInvocation,
        with handler: Handler,
        client: Client,
        traceVariable: TraceVariable?,
        isolation: isolated (any Actor)? = #isolation
    ) async throws(LambdaRuntimeError) {
        let requestID = invocation.context.requestID
        let outcome: Result<[UInt8], any Error>
        traceVariable?.export(invocation.context.traceID)
        do {
            let response = try await TraceHeader.$current.withValue(invocation.context.traceID) {
                try await handler.handle(invocation.event, context: invocation.context)
            }
            outcome = .success(response)
        } catch {
            outcome = .failure(error)
        }
        traceVariable?.remove()

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

    // MARK: - Environment and log

    /// The process's environment variables, read from the C library's `environ`: what a
    /// handler factory builds its configuration from, once, at start. (Foundation's
    /// `ProcessInfo` gives the same, at the cost of starting it in a bootstrap that needs
    /// nothing else of it.) A variable without `=` is skipped; the first of two with one name wins.
    public static func environmentVariables() -> [String: String] {
        var variables: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.utf8.firstIndex(of: UInt8(ascii: "=")) {
                let name = String(text[..<equals])
                if variables[name] == nil {
                    variables[name] = String(text[text.index(after: equals)...])
                }
            }
            entry += 1
        }
        return variables
    }

    /// Ends the process for `error`: writes its log line and exits with its status. Only the
    /// first loop to stop does this; any other one that stops meanwhile waits for the exit.
    static func stop(_ error: LambdaRuntimeError) -> Never {
        if stopping.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
            let line = terminationLogLine(for: error)
            // One write(2) of the whole line, so it cannot interleave with other output.
            _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            exit(error.exitStatus)
        }
        while true { pause() }
    }

    /// Set by the first loop that stops the process.
    private static let stopping = Atomic<Bool>(false)

    /// Writes one JSON log line from the runtime itself to standard error, in one `write(2)`.
    static func writeLogLine(level: String, message: String, errorType: String) {
        var line: [UInt8] = []
        line += #"{"level":"#.utf8
        LambdaErrorReport.appendJSONString(level, to: &line)
        line += #","logger":"LambdaRuntime","message":"#.utf8
        LambdaErrorReport.appendJSONString(message, to: &line)
        line += #","errorType":"#.utf8
        LambdaErrorReport.appendJSONString(errorType, to: &line)
        line += "}\n".utf8
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
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
