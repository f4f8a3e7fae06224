/// Why the runtime loop stopped, or why one call to the Runtime API failed. Errors compare by
/// code.
///
/// Every code but ``Code/responseTooLarge`` ends the process: the Runtime API documents a 500
/// as "Container error. Non-recoverable state. Runtime should exit promptly", and a runtime
/// that cannot reach the API, or gets answers it cannot read, has no way to carry on either
/// ([Runtime API](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html)). A handler's
/// own error is never one of these: it is reported for its invocation and the loop goes on.
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

    /// An error.
    public init(_ code: Code, _ message: String, status: Int? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.underlying = underlying
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
        case .connectionFailed, .unexpectedStatus, .invalidInvocation, .responseTooLarge: 2
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
