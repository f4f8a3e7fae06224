import QuizEngine
import QuizStore

/// An error of the data layer: what a read or a write of learners' data, question banks or
/// idempotency records could not do. The functions' edge turns each code into an HTTP answer in one
/// place; this layer knows nothing of HTTP.
///
/// Errors compare by code; their text never holds item contents, answers or secrets.
public struct DataError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The caller has no session with this id (another user's session looks the same).
        case sessionNotFound
        /// A question a session refers to is no longer in its bank.
        case questionNotFound
        /// The bank has never had questions imported.
        case bankNotFound
        /// A conditional write lost a race: the item moved since it was read.
        case conflict
        /// Another request holds the idempotency key and has not finished; `retryAfterSeconds`
        /// says when its claim runs out at the latest.
        case requestInProgress
        /// The idempotency key was used before with another request.
        case idempotencyKeyMismatch
        /// The request is for another mode of session than the one stored (a quiz answer to a
        /// flashcard session, a rating to a quiz session).
        case sessionModeMismatch
        /// A page cursor that does not belong to this listing.
        case invalidCursor
        /// A stored item cannot be read as the record it should be (a defect, or damage).
        case damagedItem
        /// The table layer failed; `underlying` is its `TableError`.
        case storage
        /// The data layer broke one of its own rules (a defect, never the caller's doing).
        case defect
    }

    /// What kind of failure this is.
    public var code: Code
    /// A human-readable explanation, free of item contents.
    public var message: String
    /// For `requestInProgress`: whole seconds until the holder's claim runs out.
    public var retryAfterSeconds: Int?
    /// The cause, for logs (and, for `storage`, the table error the edge answers from).
    public var underlying: (any Error & Sendable)?

    /// An error; see the static factories for the usual ones.
    public init(_ code: Code, _ message: String, retryAfterSeconds: Int? = nil, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
        self.underlying = underlying
    }

    public var description: String {
        underlying.map { "\(code.rawValue): \(message) (\($0))" } ?? "\(code.rawValue): \(message)"
    }

    /// The table error behind a `storage` failure.
    public var tableError: TableError? { underlying as? TableError }

    // MARK: - Factories

    /// No session `sessionId` for this caller.
    public static func sessionNotFound(_ sessionId: String) -> DataError {
        DataError(.sessionNotFound, "No session \(sessionId).")
    }

    /// A question of a session that its bank no longer has.
    public static func questionNotFound(_ ref: QuestionRef) -> DataError {
        DataError(.questionNotFound, "Question \(ref.questionId) is no longer in bank \(ref.bankId).")
    }

    /// No bank `bankId`.
    public static func bankNotFound(_ bankId: String) -> DataError {
        DataError(.bankNotFound, "No question bank \(bankId).")
    }

    /// A lost race on a conditional write.
    public static func conflict(_ message: String = "The session was changed by another request; reload it and try again.") -> DataError {
        DataError(.conflict, message)
    }

    /// The key is held by a request still running.
    public static func requestInProgress(retryAfterSeconds: Int? = nil) -> DataError {
        DataError(.requestInProgress, "A request with this Idempotency-Key is still being processed.", retryAfterSeconds: retryAfterSeconds)
    }

    /// The key was used before with another request.
    public static var idempotencyKeyMismatch: DataError {
        DataError(.idempotencyKeyMismatch, "This Idempotency-Key was used with a different request.")
    }

    /// A request meant for a session of mode `expected` to one of mode `found`.
    public static func sessionModeMismatch(expected: String, found: String) -> DataError {
        DataError(.sessionModeMismatch, "The session is a \(found) session, not a \(expected) session.")
    }

    /// A cursor from another listing, or a forged one.
    public static var invalidCursor: DataError {
        DataError(.invalidCursor, "The cursor is not valid for this list.")
    }

    /// A stored item that cannot be read as `record`.
    public static func damaged(_ record: String, underlying: (any Error)? = nil) -> DataError {
        DataError(.damagedItem, "stored \(record) is unreadable", underlying: underlying.map { Cause(description: "\($0)") })
    }

    /// A cause that is not `Sendable` itself, kept as its description for the logs.
    private struct Cause: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    /// A failure of the table layer.
    public static func storage(_ error: TableError) -> DataError {
        DataError(.storage, error.message, underlying: error)
    }

    /// What a paginated listing of `record`s answers for `error`: itself when it is a
    /// `DataError`; `invalidCursor` when the store refused the cursor (one from another listing,
    /// or a forged one: the caller's mistake); `storage` for the store's other failures;
    /// `damaged` for an item that could not be read.
    public static func listing(_ error: any Error, of record: String) -> DataError {
        switch error {
        case let error as DataError: return error
        case let error as TableError: return error.code == .validation ? .invalidCursor : .storage(error)
        default: return .damaged(record, underlying: error)
        }
    }

    /// A defect of the data layer itself.
    public static func defect(_ message: String) -> DataError {
        DataError(.defect, message)
    }
}

extension DataError: Equatable {
    /// Errors are equal when their codes are.
    public static func == (lhs: DataError, rhs: DataError) -> Bool { lhs.code == rhs.code }
}
