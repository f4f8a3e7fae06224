// MARK: - Answering (docs/http-contract.md#adaptive-rules)

extension QuizSession {
    /// Grades an answer to the question being served, applies the adaptive rules to the session and
    /// the user's pool, and picks what comes next.
    ///
    /// A handler for `POST /sessions/{id}/answer` loads the session, the pool and the current
    /// question (`currentQuestion.ref`) from its bank, calls this once, then saves the session, the
    /// pool, `outcome.progress` and the idempotency record in one transaction conditional on the
    /// loaded version (docs/http-contract.md#sessions). When the outcome is `.serve`, it first loads that question and
    /// calls `serve(_:now:using:)`, so the response can show it.
    ///
    /// The rules, per serving of a question:
    /// - wrong: the question is served again at once with its choices in a new order; a pool entry for
    ///   it goes back to 2 tries;
    /// - correct at the first try: done; a pool entry for it loses one try and leaves at 0;
    /// - correct after wrong tries: done, and it enters the pool (or is reset there) with 2 tries.
    /// "Done" applies to questions of this session's set, whichever way they were served.
    ///
    /// - Parameters:
    ///   - questionId: the question the client answered.
    ///   - selectedAnswers: the chosen answer ids; order and duplicates do not matter.
    ///   - question: the question being served, loaded by the handler from `currentQuestion`'s bank.
    ///   - pool: the user's wrong-answer pool, updated in place.
    ///   - now: the time of the answer.
    ///   - rng: the source of the retry order and the next pick.
    /// - Throws: `expired` after `expiresAt` (the session is then marked `expired`: save it);
    ///   `notActive` once completed or abandoned; `staleQuestion` when `questionId` is not being
    ///   served; `questionMismatch` when `question` is not the served one; `invalidAnswer` for an
    ///   empty selection or ids the question does not offer. Except for `expired`, a throw leaves the
    ///   session and the pool untouched, and no try is used up.
    public mutating func answer(
        questionId: String, selectedAnswers: [String], question: Question, pool: inout WrongAnswerPool,
        now: EpochMilliseconds, using rng: inout some RandomNumberGenerator
    ) throws(SessionError) -> AnswerOutcome {
        try ensureActive(now: now)
        guard let served = currentQuestion, served.questionId == questionId else {
            throw .staleQuestion(submitted: questionId, serving: currentQuestion?.questionId)
        }
        guard question.id == served.questionId else {
            throw .questionMismatch(expected: served.questionId, given: question.id)
        }
        let correct = try AnswerGrader.grade(selectedAnswers, for: question, choices: served.choiceOrder)

        status = .inProgress
        totalAttempts += 1
        touch(now: now)
        if correct {
            return finishServing(served, category: question.category, pool: &pool, now: now, using: &rng)
        }
        return retryServing(served, category: question.category, pool: &pool, using: &rng)
    }

    /// A wrong answer: the same question again, reshuffled (`RETRY_SAME_QUESTION`).
    private mutating func retryServing(
        _ served: ServedQuestion, category: String?, pool: inout WrongAnswerPool,
        using rng: inout some RandomNumberGenerator
    ) -> AnswerOutcome {
        let poolChange = pool.recordWrongAnswer(to: served.ref, sessionId: id)
        let retry = served.retried(using: &rng)
        currentQuestion = retry
        return AnswerOutcome(
            answered: served.ref, correct: false, firstTry: served.isFirstTry, next: .retry(retry),
            poolChange: poolChange,
            progress: ProgressDelta(category: category, attempts: 1),
            review: served.isFirstTry ? .again : nil
        )
    }

    /// A correct answer: the serving ends, the pool learns from it, and the next question is picked.
    private mutating func finishServing(
        _ served: ServedQuestion, category: String?, pool: inout WrongAnswerPool, now: EpochMilliseconds,
        using rng: inout some RandomNumberGenerator
    ) -> AnswerOutcome {
        let ref = served.ref
        let firstTry = served.isFirstTry
        questionsAnswered += 1
        if firstTry {
            correctFirstTry += 1
        }
        let poolChange = pool.recordCorrectAnswer(to: ref, firstTry: firstTry, sessionId: id, now: now)
        if !firstTry, !sentToPool.contains(ref) {
            sentToPool.append(ref)
        }
        if case .mastered = poolChange, !mastered.contains(ref) {
            mastered.append(ref)
        }
        // A set question is done however it was served, also as a 20 % review of its pool entry, so
        // that it is not served a second time as a "new" set question.
        if ref.bankId == bankId, questionIds.contains(ref.questionId), !doneQuestionIds.contains(ref.questionId) {
            doneQuestionIds.append(ref.questionId)
        }
        currentQuestion = nil

        let next: AnswerOutcome.Next
        let pick = QuestionPicker.pickNext(
            remaining: remainingQuestions, sessionId: id, pool: pool, justAnswered: ref,
            inOrder: options.mode == .review, using: &rng
        )
        switch pick {
        case .serve(let picked):
            pendingQuestion = picked
            next = .serve(picked)
        case .sessionComplete:
            status = .completed
            endedAt = now
            next = .complete(results)
        }
        let progress = ProgressDelta(
            category: category, attempts: 1, questionsAnswered: 1, correctFirstTry: firstTry ? 1 : 0,
            enteredPool: poolChange.isEntered ? 1 : 0, mastered: poolChange.isMastered ? 1 : 0
        )
        return AnswerOutcome(
            answered: ref, correct: true, firstTry: firstTry, next: next, poolChange: poolChange,
            progress: progress, review: firstTry ? .good : nil
        )
    }
}

extension PoolChange {
    fileprivate var isEntered: Bool {
        if case .entered = self { true } else { false }
    }

    fileprivate var isMastered: Bool {
        if case .mastered = self { true } else { false }
    }
}

// MARK: - Outcome

/// What one graded answer did and what the handler does next (a state machine's mutating method
/// returns an action for its owner: docs/contributing.md#house-rules).
public struct AnswerOutcome: Sendable, Hashable {
    /// The `nextAction` of the answer response (`openapi.yaml`), spelled as the API spells it.
    public enum NextAction: String, Codable, Sendable, Hashable, CaseIterable {
        /// The answer was wrong; the same question is served again, reshuffled.
        case retrySameQuestion = "RETRY_SAME_QUESTION"
        /// Another question follows.
        case nextQuestion = "NEXT_QUESTION"
        /// The session is complete.
        case sessionComplete = "SESSION_COMPLETE"
    }

    /// What comes after the answer.
    public enum Next: Sendable, Hashable {
        /// The same question again; the session already serves it with this new choice order.
        case retry(ServedQuestion)
        /// This question is next: load it from its bank and call `QuizSession.serve(_:now:using:)`.
        case serve(PickedQuestion)
        /// The session completed with these results.
        case complete(SessionResults)
    }

    /// The question that was answered.
    public var answered: QuestionRef
    /// Whether the answer was correct.
    public var correct: Bool
    /// Whether this was the first answer of the question's serving (no wrong try before it).
    public var firstTry: Bool
    /// What comes next.
    public var next: Next
    /// What the answer did to the pool.
    public var poolChange: PoolChange
    /// What to add to the user's progress counters, in the same transaction.
    public var progress: ProgressDelta
    /// The review this answer records in the question's memory (docs/memory-model.md): exactly one
    /// per serving, at its first try, `good` when correct and `again` when wrong; `nil` for the
    /// retries of a serving, which leave the memory as it is.
    public var review: ReviewRating?

    /// An outcome.
    public init(
        answered: QuestionRef, correct: Bool, firstTry: Bool, next: Next, poolChange: PoolChange,
        progress: ProgressDelta, review: ReviewRating? = nil
    ) {
        self.review = review
        self.answered = answered
        self.correct = correct
        self.firstTry = firstTry
        self.next = next
        self.poolChange = poolChange
        self.progress = progress
    }

    /// The response's `nextAction`.
    public var nextAction: NextAction {
        switch next {
        case .retry: .retrySameQuestion
        case .serve: .nextQuestion
        case .complete: .sessionComplete
        }
    }
}

/// Increments for a user's progress counters from one answer, so that the answer handler can add
/// them in the same transaction as the session and the pool (docs/http-contract.md#sessions) without re-deriving
/// the rules.
public struct ProgressDelta: Codable, Sendable, Hashable {
    /// The answered question's category, for per-category progress.
    public var category: String?
    /// Graded answers: always 1.
    public var attempts: Int
    /// Servings finished by this answer: 1 when it was correct.
    public var questionsAnswered: Int
    /// 1 when correct at the first try of the serving.
    public var correctFirstTry: Int
    /// 1 when the question newly entered the pool.
    public var enteredPool: Int
    /// 1 when a pool entry was mastered and left the pool.
    public var mastered: Int

    /// A delta; everything but `attempts` defaults to 0.
    public init(
        category: String?, attempts: Int = 1, questionsAnswered: Int = 0, correctFirstTry: Int = 0,
        enteredPool: Int = 0, mastered: Int = 0
    ) {
        self.category = category
        self.attempts = attempts
        self.questionsAnswered = questionsAnswered
        self.correctFirstTry = correctFirstTry
        self.enteredPool = enteredPool
        self.mastered = mastered
    }
}
