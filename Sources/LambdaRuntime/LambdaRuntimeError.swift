/// Why the runtime loop stopped, or why one call to the Runtime API failed. Errors compare by
/// code.
///
/// Two kinds: errors about one invocation, which the loop reports for that invocation before it
/// goes on (``Code/responseTooLarge``, and ``Code/invalidInvocation``,
/// ``Code/eventTooLarge`` and ``Code/eventNotReceived`` when ``requestID`` names it); and the
/// Runtime API being gone, which ends the process: the Runtime API documents a 500 as
/// "Container error. Non-recoverable state. Runtime should exit promptly", and a runtime that
/// cannot reach the API has no way to carry on either
/// ([Runtime API](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html)). A
/// handler's own error is never one of these: it is reported for its invocation and the loop
/// goes on. `docs/runtime.md` tells the whole policy.
///
/// The description never holds event or response bytes, only codes, statuses and the
/// underlying error's own description.
public struct LambdaRuntimeError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable, Hashable {
        /// `AWS_LAMBDA_RUNTIME_API` is unset or empty: the process is not running inside a
        /// Lambda execution environment (or an emulator of one).
        case missingRuntimeAPI
        /// The handler factory threw; the failure was reported to `/runtime/init/error`.
        case initializationFailed
        /// No HTTP answer from the Runtime API: refused, reset or timed-out connection.
        case connectionFailed
        /// The Runtime API answered with a status this runtime does not expect, such as 500.
        case unexpectedStatus
        /// `/runtime/invocation/next` answered without a usable request id or deadline.
        case invalidInvocation
        /// The event of an invocation is over the client's size limit: its body was dropped,
        /// unread. Not fatal when ``LambdaRuntimeError/requestID`` names the invocation.
        case eventTooLarge
        /// The connection broke while the event's body was arriving. Not fatal when
        /// ``LambdaRuntimeError/requestID`` names the invocation.
        case eventNotReceived
        /// The Runtime API refused a response as too large (413). Not fatal: the loop reports
        /// `Function.ResponseSizeTooLarge` for that invocation instead and goes on.
        case responseTooLarge
    }

    /// What kind of failure this is.
    public var code: Code
    /// What failed, for logs.
    public var message: String
    /// The Runtime API's status, for ``Code/unexpectedStatus`` and ``Code/responseTooLarge``.
    public var status: Int?
    /// The error underneath: the handler factory's error or the HTTP client's.
    public var underlying: (any Error)?
    /// The invocation a failed `next` was handing out, when its request id arrived: the loop
    /// reports the failure for it instead of stopping.
    public var requestID: String?

    /// An error.
    public init(
        _ code: Code, _ message: String, status: Int? = nil, underlying: (any Error)? = nil, requestID: String? = nil
    ) {
        self.code = code
        self.message = message
        self.status = status
        self.underlying = underlying
        self.requestID = requestID
    }

    /// Whether this error is about one invocation's event or headers rather than about the
    /// Runtime API: the loop reports it for that invocation (when it knows the request id) and
    /// asks for the next one.
    public var concernsOneInvocation: Bool {
        switch code {
        case .invalidInvocation, .eventTooLarge, .eventNotReceived: true
        case .missingRuntimeAPI, .initializationFailed, .connectionFailed, .unexpectedStatus, .responseTooLarge: false
        }
    }

    /// The report the loop posts for the invocation this error is about, typed as Lambda types
    /// the errors of its own runtimes (`Runtime.…`).
    var invocationReport: LambdaErrorReport {
        let type =
            switch code {
            case .eventTooLarge: "Runtime.EventTooLarge"
            case .eventNotReceived: "Runtime.EventNotReceived"
            default: "Runtime.InvalidInvocation"
            }
        return LambdaErrorReport(errorType: type, errorMessage: message)
    }

    /// The code, the message and the underlying error, for logs.
    public var description: String {
        var text = "\(code.rawValue): \(message)"
        if let status {
            text += " (status \(status))"
        }
        if let underlying {
            text += ": \(underlying)"
        }
        return text
    }

    /// The exit status of a bootstrap that stops for this reason: never 0, since Lambda treats
    /// a runtime that exits as failed whatever its status, and a non-zero status says so in
    /// the logs (`Runtime exited with error: exit status 1`).
    public var exitStatus: Int32 {
        switch code {
        case .initializationFailed, .missingRuntimeAPI: 1
        case .connectionFailed, .unexpectedStatus, .invalidInvocation, .eventTooLarge, .eventNotReceived, .responseTooLarge: 2
        }
    }

    // MARK: - Factories

    /// A missing `AWS_LAMBDA_RUNTIME_API`; compares equal to every such error.
    public static let missingRuntimeAPI = LambdaRuntimeError(
        .missingRuntimeAPI, "AWS_LAMBDA_RUNTIME_API is not set")
    /// A failed handler factory; compares equal to every such error.
    public static let initializationFailed = LambdaRuntimeError(
        .initializationFailed, "the handler could not be initialised")
    /// No answer from the Runtime API; compares equal to every such error.
    public static let connectionFailed = LambdaRuntimeError(
        .connectionFailed, "the Runtime API could not be reached")
    /// An unexpected status; compares equal to every such error, whatever its status.
    public static let unexpectedStatus = LambdaRuntimeError(
        .unexpectedStatus, "the Runtime API answered with an unexpected status")
    /// An invocation that cannot be handled; compares equal to every such error.
    public static let invalidInvocation = LambdaRuntimeError(
        .invalidInvocation, "the Runtime API sent an invocation without the headers it needs")
    /// An event over the size limit; compares equal to every such error.
    public static let eventTooLarge = LambdaRuntimeError(
        .eventTooLarge, "the invocation's event is over the runtime's size limit")
    /// An event cut off by a broken connection; compares equal to every such error.
    public static let eventNotReceived = LambdaRuntimeError(
        .eventNotReceived, "the connection broke while the invocation's event was arriving")
    /// A refused, too-large response; compares equal to every such error.
    public static let responseTooLarge = LambdaRuntimeError(
        .responseTooLarge, "the Runtime API refused the response as too large", status: 413)

    /// The handler factory failed with `error`.
    static func initializationFailed(_ error: any Error) -> LambdaRuntimeError {
        LambdaRuntimeError(
            .initializationFailed, "the handler factory threw \(LambdaErrorReport.typeName(of: error))",
            underlying: error)
    }
}

extension LambdaRuntimeError: Equatable {
    /// Errors are equal when their codes are.
    public static func == (lhs: LambdaRuntimeError, rhs: LambdaRuntimeError) -> Bool {
        lhs.code == rhs.code
    }
}
