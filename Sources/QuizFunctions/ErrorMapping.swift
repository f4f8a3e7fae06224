import QuizEngine
import QuizHTTP
import QuizStore

/// A failure of our own making (a bug, damaged data): logged in full, answered as a plain 500.
struct InternalFailure: Error, Sendable, CustomStringConvertible {
    var message: String
    var underlying: String?

    var description: String { underlying.map { "\(message): \($0)" } ?? message }
}

extension APIError {
    /// A 500 whose cause stays in the logs.
    static func internalFailure(_ message: String, underlying: (any Error)? = nil) -> APIError {
        .internal(underlying: InternalFailure(message: message, underlying: underlying.map { "\($0)" }))
    }

    /// The HTTP answer to a domain error (STYLE.md: map errors to HTTP once, at the edge).
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

    /// The HTTP answer to a storage error that reached the edge.
    init(_ error: TableError) {
        switch error.code {
        case .unavailable:
            self = .storageUnavailable(retryAfterSeconds: Int((error.retryAfter ?? 1).rounded(.up)))
        case .throttled:
            self = .throttled(retryAfterSeconds: Int((error.retryAfter ?? 1).rounded(.up)))
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
