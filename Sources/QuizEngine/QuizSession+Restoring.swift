// MARK: - Restoring saved state

extension QuizSession {
    /// A session exactly as a store saved it, field by field: the same fields its `Codable` form
    /// holds. Nothing is checked or recomputed, so what was saved comes back unchanged; a handler
    /// that maps sessions to storage by hand (rather than through a generic coder, which costs
    /// more on every request) restores them with this.
    public init(
        restoringId id: String, userId: String, bankId: String, options: Options, questionIds: [String],
        startedAt: EpochMilliseconds, expiresAt: EpochMilliseconds, status: SessionStatus, version: Int,
        updatedAt: EpochMilliseconds, endedAt: EpochMilliseconds?, currentQuestion: ServedQuestion?,
        pendingQuestion: PickedQuestion?, doneQuestionIds: [String], totalAttempts: Int, questionsAnswered: Int,
        correctFirstTry: Int, sentToPool: [QuestionRef], mastered: [QuestionRef]
    ) {
        self.id = id
        self.userId = userId
        self.bankId = bankId
        self.options = options
        self.questionIds = questionIds
        self.startedAt = startedAt
        self.expiresAt = expiresAt
        self.status = status
        self.version = version
        self.updatedAt = updatedAt
        self.endedAt = endedAt
        self.currentQuestion = currentQuestion
        self.pendingQuestion = pendingQuestion
        self.doneQuestionIds = doneQuestionIds
        self.totalAttempts = totalAttempts
        self.questionsAnswered = questionsAnswered
        self.correctFirstTry = correctFirstTry
        self.sentToPool = sentToPool
        self.mastered = mastered
    }
}
