// MARK: - Reveal and rating (docs/memory-model.md, "Flashcard sessions")

extension FlashcardSession {
    /// Reveals the back of the card being shown (`POST /sessions/{id}/reveal`) and records the time
    /// to flip. Revealing a revealed card changes nothing and returns the first reveal again, so a
    /// retried request is harmless.
    ///
    /// - Parameter questionId: the card the client means; `nil` for whichever is shown.
    /// - Throws: `expired` after `expiresAt` (the session is then marked so: save it); `notActive`
    ///   once completed or abandoned; `staleCard` when `questionId` is not the card shown.
    public mutating func reveal(questionId: String? = nil, now: EpochMilliseconds) throws(FlashcardError) -> FlashcardReveal {
        try ensureActive(now: now)
        guard var serving = current else { throw FlashcardError(.staleCard, "no card is being shown") }
        if let questionId, questionId != serving.questionId {
            throw .staleCard(submitted: questionId, showing: serving.questionId)
        }
        if !serving.isRevealed {
            serving.revealedAt = now
            serving.timeToFlipMs = max(0, now - serving.shownAt)
            current = serving
            lifecycle.touch(now: now)
        }
        return FlashcardReveal(
            card: QuestionRef(bankId: bankId, questionId: serving.questionId), timeToFlipMs: serving.timeToFlipMs ?? 0,
            version: version
        )
    }

    /// Records the learner's rating of the card shown (`POST /sessions/{id}/answer` with `rating`
    /// or `confidence`), accepted only after its reveal, and shows the next card.
    ///
    /// `again` puts the card back `againSpacing` (3) cards later, or last when fewer remain; any
    /// other rating ends the card's part in the session. When no card is left to show, the
    /// session is `completed`.
    ///
    /// - Parameters:
    ///   - timeToFlipMs: the client's own measure of the time to flip, which replaces the server's
    ///     (the client knows when the front appeared on screen; the server only when it was due).
    /// - Throws: `expired` after `expiresAt` (the session is then marked so: save it); `notActive`
    ///   once completed or abandoned; `staleCard` when `questionId` is not the card shown;
    ///   `notRevealed` before the reveal; `invalidTimeToFlip` for a negative time. Except for
    ///   `expired`, a throw leaves the session untouched.
    public mutating func rate(
        questionId: String, rating: ReviewRating, timeToFlipMs: Int64? = nil, now: EpochMilliseconds
    ) throws(FlashcardError) -> FlashcardOutcome {
        try ensureActive(now: now)
        guard let serving = current, serving.questionId == questionId else {
            throw .staleCard(submitted: questionId, showing: current?.questionId)
        }
        guard serving.isRevealed else { throw .notRevealed(questionId) }
        if let timeToFlipMs, timeToFlipMs < 0 { throw .invalidTimeToFlip(timeToFlipMs) }

        lifecycle.markInProgress()
        lifecycle.touch(now: now)
        ratings.record(rating)
        var comesBackAfter: Int?
        if rating == .again {
            let position = min(Self.againSpacing, upcoming.count)
            upcoming.insert(questionId, at: position)
            comesBackAfter = position
        } else {
            learned.append(questionId)
        }

        let next: FlashcardOutcome.Next
        if upcoming.isEmpty {
            current = nil
            lifecycle.finish(now: now)
            next = .complete(results)
        } else {
            let nextId = upcoming.removeFirst()
            current = FlashcardServing(questionId: nextId, shownAt: now)
            next = .show(QuestionRef(bankId: bankId, questionId: nextId))
        }
        return FlashcardOutcome(
            rated: QuestionRef(bankId: bankId, questionId: questionId), review: rating,
            timeToFlipMs: timeToFlipMs ?? serving.timeToFlipMs ?? 0, comesBackAfter: comesBackAfter, next: next,
            version: version
        )
    }
}

// MARK: - Outcomes

/// What a reveal did.
public struct FlashcardReveal: Codable, Sendable, Hashable {
    /// The card revealed; the handler loads it and answers with `FlashcardBack(question:)`.
    public var card: QuestionRef
    /// From the card being shown to its reveal, in milliseconds.
    public var timeToFlipMs: Int64
    /// The session's version after the reveal.
    public var version: Int

    /// A reveal.
    public init(card: QuestionRef, timeToFlipMs: Int64, version: Int) {
        self.card = card
        self.timeToFlipMs = timeToFlipMs
        self.version = version
    }
}

/// What one rating did and what the handler does next.
public struct FlashcardOutcome: Codable, Sendable, Hashable {
    /// What comes after the rating.
    public enum Next: Codable, Sendable, Hashable {
        /// This card is shown next: load it from its bank for the front.
        case show(QuestionRef)
        /// Every card was rated better than `again`: the session completed with these results.
        case complete(FlashcardResults)
    }

    /// The card rated.
    public var rated: QuestionRef
    /// The review the rating records in the card's memory: the rating itself, always.
    public var review: ReviewRating
    /// The time to flip recorded with the review, in milliseconds: the client's when it sent one,
    /// the server's otherwise.
    public var timeToFlipMs: Int64
    /// For `again`: how many other cards are shown before this one comes back; `nil` otherwise.
    public var comesBackAfter: Int?
    /// What comes next.
    public var next: Next
    /// The session's version after the rating.
    public var version: Int

    /// An outcome.
    public init(
        rated: QuestionRef, review: ReviewRating, timeToFlipMs: Int64, comesBackAfter: Int?, next: Next, version: Int
    ) {
        self.rated = rated
        self.review = review
        self.timeToFlipMs = timeToFlipMs
        self.comesBackAfter = comesBackAfter
        self.next = next
        self.version = version
    }

    /// The response's `nextAction`: `NEXT_QUESTION` or `SESSION_COMPLETE`.
    public var nextAction: AnswerOutcome.NextAction {
        switch next {
        case .show: .nextQuestion
        case .complete: .sessionComplete
        }
    }
}

// MARK: - The back of a card

/// What a reveal shows: the correct answers' text and the explanation, never the other choices.
public struct FlashcardBack: Codable, Sendable, Hashable {
    /// The card.
    public var questionId: String
    /// The correct choices, in bank order.
    public var answers: [AnswerChoice]
    /// Why they are correct.
    public var explanation: String?

    /// The back of `question`.
    public init(question: Question) {
        questionId = question.id
        answers = question.answers.filter { question.correctAnswers.contains($0.id) }
        explanation = question.explanation
    }
}
