/// Why the engine refused a request on a flashcard session.
///
/// Errors compare by code; the handler edge maps each code to its HTTP status once (each code's
/// documentation names the status it is meant for).
public struct FlashcardError: Error, Sendable, CustomStringConvertible {
    /// What kind of refusal this is.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The session's time limit has passed. The call that finds this marks the session
        /// `expired`, so the caller must still save the session. 409 `SESSION_EXPIRED`.
        case expired
        /// The session is completed or abandoned and takes no more changes. 409.
        case notActive
        /// The request names a card other than the one being shown (a second tab, a late retry
        /// after the session moved on). 409.
        case staleCard
        /// A rating for a card whose back has not been revealed yet: reveal first. 409.
        case notRevealed
        /// A time to flip that is negative. Nothing is recorded. 422.
        case invalidTimeToFlip
        /// There are no cards to start a session with (nothing due or new, an empty category or
        /// list). 422.
        case noCards
    }

    /// What kind of refusal this is.
    public var code: Code
    /// A human-readable explanation for the caller; never contains the back of a card.
    public var message: String

    /// An error with the given code and explanation.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The flashcard form of a lifecycle refusal (`expired` or `notActive`).
    init(_ error: SessionError) {
        switch error.code {
        case .expired: self.init(.expired, error.message)
        default: self.init(.notActive, error.message)
        }
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }

    // MARK: - Factories

    /// A request about `submitted` while `showing` (or nothing) is shown.
    public static func staleCard(submitted: String, showing: String?) -> FlashcardError {
        guard let showing else {
            return FlashcardError(.staleCard, "card \(submitted) is not being shown; no card is")
        }
        return FlashcardError(.staleCard, "card \(submitted) is not being shown; card \(showing) is")
    }

    /// A rating of `questionId` before its reveal.
    public static func notRevealed(_ questionId: String) -> FlashcardError {
        FlashcardError(.notRevealed, "reveal card \(questionId) before rating it")
    }

    /// A negative time to flip.
    public static func invalidTimeToFlip(_ milliseconds: Int64) -> FlashcardError {
        FlashcardError(.invalidTimeToFlip, "timeToFlipMs must be 0 or more, got \(milliseconds)")
    }

    /// A start with no cards.
    public static var noCards: FlashcardError {
        FlashcardError(.noCards, "there are no cards to start a flashcard session with")
    }
}

extension FlashcardError: Equatable {
    /// Errors are equal when their codes are.
    public static func == (lhs: FlashcardError, rhs: FlashcardError) -> Bool { lhs.code == rhs.code }
}
