/// Why the engine refused a request on a session.
///
/// Errors compare by code (docs/contributing.md#errors, after Hummingbird's `PersistError`); their text never holds the
/// correct answers. The handler edge maps each code to its HTTP status once (docs/http-contract.md#errors); each
/// code's documentation names the status it is meant for.
public struct SessionError: Error, Sendable, CustomStringConvertible {
    /// What kind of refusal this is.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The session's time limit has passed (docs/http-contract.md#sessions). The call that finds this marks the
        /// session `expired`, so the caller must still save the session. 409 `SESSION_EXPIRED`.
        case expired
        /// The answer names a question other than the one being served, e.g. from a second tab or a
        /// late retry after the session moved on. 409.
        case staleQuestion
        /// The session is completed or abandoned and takes no more answers or changes. 409.
        case notActive
        /// The selection is empty or names ids that are not choices of the served question. Nothing
        /// is graded and no try is used up. 422.
        case invalidAnswer
        /// The handler passed a question other than the one the session is waiting for: a defect in
        /// the caller, not in the request. 500.
        case questionMismatch
        /// The bank (or the chosen category) has no questions to draw a session from. 422.
        case noQuestions
    }

    /// What kind of refusal this is.
    public var code: Code
    /// A human-readable explanation for the caller; never contains correct answers.
    public var message: String

    /// An error with the given code and explanation.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }

    // MARK: - Factories

    /// The session ran out of time at `expiresAt`.
    public static func expired(expiresAt: EpochMilliseconds) -> SessionError {
        SessionError(.expired, "the session expired at \(expiresAt) ms since the epoch")
    }

    /// An answer to `submitted` while `serving` (or nothing) is being served.
    public static func staleQuestion(submitted: String, serving: String?) -> SessionError {
        guard let serving else {
            return SessionError(.staleQuestion, "question \(submitted) is not being served; no question is")
        }
        return SessionError(.staleQuestion, "question \(submitted) is not being served; question \(serving) is")
    }

    /// A change to a session that has ended with `status`.
    public static func notActive(status: SessionStatus) -> SessionError {
        SessionError(.notActive, "the session is \(status.rawValue) and accepts no more changes")
    }

    /// An answer that selects nothing.
    public static var emptySelection: SessionError {
        SessionError(.invalidAnswer, "select at least one answer")
    }

    /// An answer that selects ids the served question does not offer.
    public static func unknownAnswers(_ ids: [String]) -> SessionError {
        SessionError(.invalidAnswer, "not choices of this question: \(ids.joined(separator: ", "))")
    }

    /// The handler passed question `given` where `expected` (or none) was due.
    public static func questionMismatch(expected: String?, given: String) -> SessionError {
        SessionError(
            .questionMismatch, "question \(given) was passed, but the session expects \(expected ?? "no question")"
        )
    }

    /// A session start with nothing to draw from.
    public static var noQuestions: SessionError {
        SessionError(.noQuestions, "there are no questions to draw a session from")
    }
}

extension SessionError: Equatable {
    /// Errors are equal when their codes are.
    public static func == (lhs: SessionError, rhs: SessionError) -> Bool { lhs.code == rhs.code }
}
