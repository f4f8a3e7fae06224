import Foundation
import QuizBootstrap

/// One worker process: the slot of its pool it fills, and which start of that slot it is.
///
/// A slot is restarted whenever its process ends, so the generation tells a replacement apart
/// from the process it replaced: a Runtime API call or an exit notice of an earlier generation
/// is never mistaken for one of the current process.
struct WorkerID: Hashable, Sendable, CustomStringConvertible {
    /// The slot, `0..<workers`.
    var slot: Int
    /// How many processes the slot had before this one.
    var generation: Int

    var description: String { "#\(slot + 1)" }
}

/// An invocation as the runner's Runtime API hands it to a worker.
struct WorkerInvocation: Sendable, Equatable {
    /// `Lambda-Runtime-Aws-Request-Id`: names the invocation in the worker's answer.
    var requestID: String
    /// The event document, sent as the body of `next`.
    var event: [UInt8]
    /// `Lambda-Runtime-Trace-Id`: an X-Ray trace header, as Lambda sends one with every invocation.
    var traceID: String

    /// An invocation with a fresh trace id.
    init(requestID: String, event: [UInt8], traceID: String = Self.newTraceID()) {
        self.requestID = requestID
        self.event = event
        self.traceID = traceID
    }

    /// A new X-Ray trace header, `Root=1-{epoch seconds, 8 hex}-{96 random bits, 24 hex};Parent={16 hex};Sampled=0`
    /// ([trace id format](https://docs.aws.amazon.com/xray/latest/devguide/xray-api-sendingdata.html#xray-api-traceids)).
    static func newTraceID(now: Date = Date()) -> String {
        let hex = RequestIdentifiers.hex
        let seconds = UInt64(max(0, now.timeIntervalSince1970)) & 0xFFFF_FFFF
        let root = hex(RequestIdentifiers.next() & 0xFFFF_FFFF, 8) + hex(RequestIdentifiers.next(), 16)
        return "Root=1-\(hex(seconds, 8))-\(root);Parent=\(hex(RequestIdentifiers.next(), 16));Sampled=0"
    }
}

/// An error a runtime reported through `/runtime/init/error` or `/runtime/invocation/{id}/error`.
///
/// The body should be the standard Lambda error document, `{"errorMessage": …, "errorType": …}`;
/// when it is not, the `Lambda-Runtime-Function-Error-Type` header names the error, as Lambda
/// itself falls back to it ([runtime API](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-invokeerror)).
struct FunctionErrorReport: Sendable, Equatable, CustomStringConvertible {
    /// The error's type, e.g. `ConfigurationError` or `Runtime.ExitError`.
    var errorType: String
    /// What went wrong, as the runtime worded it.
    var errorMessage: String

    /// A report with these fields.
    init(errorType: String, errorMessage: String) {
        self.errorType = errorType
        self.errorMessage = errorMessage
    }

    /// The report in a POST body, with the error-type header as the fallback.
    init(body: Data, typeHeader: String?) {
        struct Document: Decodable {
            var errorType: String?
            var errorMessage: String?
        }
        let document = try? JSONDecoder().decode(Document.self, from: body)
        errorType = document?.errorType ?? typeHeader ?? "Unknown"
        errorMessage = document?.errorMessage ?? ""
    }

    var description: String { errorMessage.isEmpty ? errorType : "\(errorType): \(errorMessage)" }
}

/// How a worker process ended.
enum WorkerExit: Sendable, Equatable, CustomStringConvertible {
    /// It exited with this status.
    case status(Int32)
    /// A signal ended it, e.g. 9 for SIGKILL.
    case signal(Int32)
    /// It never ran: the bootstrap could not be executed.
    case notLaunched

    var description: String {
        switch self {
        case .status(let status): "exited with status \(status)"
        case .signal(let signal): "was killed by signal \(signal)\(signal == 9 ? " (SIGKILL)" : signal == 15 ? " (SIGTERM)" : "")"
        case .notLaunched: "could not be launched"
        }
    }
}

/// What became of an invocation, as the caller learns it.
enum InvocationOutcome: Sendable, Equatable {
    /// The function's response document, posted to `/runtime/invocation/{id}/response`.
    case response(Data)
    /// The runtime posted an error for the invocation to `/runtime/invocation/{id}/error`.
    case functionError(FunctionErrorReport)
    /// The worker's process ended while it held the invocation.
    case workerCrashed(WorkerExit)
    /// The worker held the invocation longer than the timeout, and was killed.
    case timedOut
    /// No worker of the function could initialise, so nothing could take the invocation.
    case notStarted
    /// The function's queue was full: the invocation was refused before it waited.
    case queueFull
    /// It waited for a worker past the queue's deadline, and never reached one.
    case queueTimedOut
    /// Its caller went away (the connection closed) while it waited; no worker saw it.
    case callerGone
    /// The runner stopped before a worker answered.
    case shuttingDown
}

/// A worker failed to initialise while the runner was starting.
struct WorkerStartupError: Error, CustomStringConvertible {
    /// The function.
    var function: FunctionName
    /// What its runtime reported to `/runtime/init/error`, if anything.
    var report: FunctionErrorReport?
    /// How its process ended.
    var exit: WorkerExit

    var description: String {
        "the \(function) function failed to initialise: \(report.map { "\($0)" } ?? "its bootstrap \(exit) without reporting an error")"
    }
}

// MARK: - Milliseconds

extension Duration {
    /// The duration in whole milliseconds, rounded down.
    var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
