import QuizData
import QuizEngine
import QuizHTTP
import QuizStore

/// A failure of our own making (a bug, damaged data): logged in full, answered as a plain 500.
struct InternalFailure: Error, Sendable, CustomStringConvertible {
    var message: String
    var underlying: String?

    var description: String { underlying.map { "\(message): \($0)" } ?? message }
}

// The one place where what the layers below throw becomes what the caller sees: the handlers
// throw domain, data and storage errors as they are, and `FunctionEdge` answers them through
// `APIError.answering(_:)` (docs/data-layer.md, "Errors").

extension APIError {
    /// A 500 whose cause stays in the logs.
    static func internalFailure(_ message: String, underlying: (any Error)? = nil) -> APIError {
        .internal(underlying: InternalFailure(message: message, underlying: underlying.map { "\($0)" }))
    }

    /// The HTTP answer to anything a handler throws.
    static func answering(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError: error
        case let error as DataError: APIError(error)
        case let error as SessionError: APIError(error)
        case let error as FlashcardError: APIError(error)
        case let error as TableError: APIError(error)
        default: .internalFailure("unexpected failure", underlying: error)
        }
    }

    /// The HTTP answer to a domain error.
    init(_ error: SessionError) {
        switch error.code {
        case .expired: self = .sessionExpired()
        case .staleQuestion: self = .staleQuestion(error.message)
        case .notActive: self = .sessionNotActive(error.message)
        case .invalidAnswer: self = .validationFailed([Detail(field: "selectedAnswers", message: error.message)], message: error.message)
        case .noQuestions: self = .validationFailed([Detail(field: "category", message: error.message)], message: error.message)
        case .questionMismatch: self = .internalFailure("engine and handler disagree on the question", underlying: error)
        }
    }

    /// The HTTP answer to a flashcard session's refusal.
    init(_ error: FlashcardError) {
        switch error.code {
        case .expired: self = .sessionExpired()
        case .notActive: self = .sessionNotActive(error.message)
        case .staleCard: self = .staleQuestion(error.message)
        case .notRevealed: self = .cardNotRevealed(error.message)
        case .invalidTimeToFlip: self = .validationFailed([Detail(field: "timeToFlipMs", message: error.message)], message: error.message)
        case .noCards: self = .validationFailed([Detail(field: "source", message: error.message)], message: error.message)
        }
    }

    /// The HTTP answer to a failure of the data layer.
    init(_ error: DataError) {
        switch error.code {
        case .sessionNotFound: self = .sessionNotFound(error.message)
        case .questionNotFound: self = .questionNotFound(error.message)
        case .bankNotFound: self = .bankNotFound(error.message)
        case .conflict: self = .versionConflict(error.message)
        case .requestInProgress:
            self = .requestInProgress()
            retryAfterSeconds = error.retryAfterSeconds
        case .idempotencyKeyMismatch: self = .idempotencyKeyMismatch()
        case .invalidCursor: self = .badRequest(error.message)
        case .sessionModeMismatch: self = .validationFailed([Detail(field: "mode", message: error.message)], message: error.message)
        case .damagedItem, .defect: self = .internalFailure(error.message, underlying: error)
        case .storage:
            guard let table = error.tableError else {
                self = .internalFailure("storage failed", underlying: error)
                return
            }
            self.init(table)
        }
    }

    /// The HTTP answer to a storage error that reached the edge.
    init(_ error: TableError) {
        switch error.code {
        case .unavailable:
            self = .storageUnavailable(retryAfterSeconds: Int((error.retryAfter ?? 1).rounded(.up)))
        case .throttled:
            // The store's capacity, not the caller's pace: storage is unavailable for a moment.
            self = .storageUnavailable(retryAfterSeconds: Int((error.retryAfter ?? 1).rounded(.up)))
        case .busy, .backendFailure, .timeout, .connectionFailure:
            self = .storageUnavailable(retryAfterSeconds: 1)
        case .conditionFailed, .transactionCanceled:
            self = .versionConflict("The item changed while this request was being handled; read it again and retry.")
        case .itemTooLarge:
            self = .payloadTooLarge(limit: Item.maximumSize)
        case .validation:
            self = .internalFailure("the table layer refused a request", underlying: error)
        }
    }
}

/// Refusals the handlers build from what the data layer found.
enum Refusal {
    /// Why a session with no served question cannot take the request: it ended (or its time ran
    /// out), or, while active, `whenActive`.
    static func forUnserved(_ session: QuizSession, whenActive: APIError) -> APIError {
        switch session.status {
        case .expired: .sessionExpired()
        case .completed, .abandoned: .sessionNotActive("The session is \(session.status.rawValue).")
        case .started, .inProgress: whenActive
        }
    }
}
