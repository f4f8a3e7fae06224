// MARK: - Lifecycle (docs/http-contract.md#sessions)

extension QuizSession {
    /// How long an untouched session lives before the maintenance sweep abandons it: 24 hours.
    public static let defaultIdleLimitSeconds = SessionLifecycle.defaultIdleLimitSeconds

    /// The session's lifecycle fields as one value, whose rules every kind of session shares.
    var lifecycle: SessionLifecycle {
        get {
            SessionLifecycle(
                startedAt: startedAt, expiresAt: expiresAt, status: status, version: version, updatedAt: updatedAt,
                endedAt: endedAt
            )
        }
        set {
            status = newValue.status
            version = newValue.version
            updatedAt = newValue.updatedAt
            endedAt = newValue.endedAt
        }
    }

    /// The status as a reader should see it at `now`: an active session past `expiresAt` reads as
    /// `expired` even before a write has marked it so (for `GET /sessions/{id}`, which only reads).
    public func effectiveStatus(now: EpochMilliseconds) -> SessionStatus {
        lifecycle.effectiveStatus(now: now)
    }

    /// Whole seconds left before `expiresAt`, rounded up so that 0 means "out of time"; 0 once the
    /// session has ended.
    public func timeRemainingSeconds(now: EpochMilliseconds) -> Int {
        lifecycle.timeRemainingSeconds(now: now)
    }

    /// Completes the session at the user's request (`POST /sessions/{id}/complete`), whether or not
    /// every question is done, and returns the results.
    ///
    /// Completing a completed session changes nothing (same version) and returns its results again,
    /// so a confirmation after the last answer is harmless.
    ///
    /// - Throws: `expired` after `expiresAt` (the session is then marked `expired`: save it);
    ///   `notActive` for an abandoned session.
    @discardableResult
    public mutating func complete(now: EpochMilliseconds) throws(SessionError) -> SessionResults {
        _ = try updateLifecycle { lifecycle throws(SessionError) in try lifecycle.complete(now: now) }
        return results
    }

    /// Gives the session up (`POST /sessions/{id}/abandon`). Abandoning an abandoned session changes
    /// nothing.
    ///
    /// - Throws: `expired` after `expiresAt` (the session is then marked `expired`: save it);
    ///   `notActive` for a completed session.
    public mutating func abandon(now: EpochMilliseconds) throws(SessionError) {
        try updateLifecycle { lifecycle throws(SessionError) in try lifecycle.abandon(now: now) }
    }

    /// The maintenance function's step for one session: an active session untouched for
    /// `idleLimitSeconds` becomes `abandoned`, one merely past `expiresAt` becomes `expired`.
    ///
    /// - Returns: the new status when the session changed (save it), `nil` when it did not.
    @discardableResult
    public mutating func sweep(
        now: EpochMilliseconds, idleLimitSeconds: Int = defaultIdleLimitSeconds
    ) -> SessionStatus? {
        lifecycle.sweep(now: now, idleLimitSeconds: idleLimitSeconds)
    }

    /// Throws unless the session takes changes at `now`; an active session found past `expiresAt` is
    /// marked `expired` first, so that the caller saves that even though its request fails (the
    /// mutation reaches the caller because a mutating method's `self` is written back when it
    /// throws).
    mutating func ensureActive(now: EpochMilliseconds) throws(SessionError) {
        try updateLifecycle { lifecycle throws(SessionError) in try lifecycle.ensureActive(now: now) }
    }

    /// Runs `body` on the lifecycle and keeps what it changed, also when it throws.
    private mutating func updateLifecycle<Result>(
        _ body: (inout SessionLifecycle) throws(SessionError) -> Result
    ) throws(SessionError) -> Result {
        var lifecycle = lifecycle
        defer { self.lifecycle = lifecycle }
        return try body(&lifecycle)
    }
}

// MARK: - Status

/// Where a session is in its lifecycle (docs/http-contract.md#sessions):
/// `started` → `in_progress` → `completed` | `expired` | `abandoned`.
///
/// The raw values are the spelling of the API and of the stored item.
public enum SessionStatus: String, Codable, Sendable, Hashable, CaseIterable {
    /// Created and its first question picked; nothing answered yet.
    case started
    /// At least one answer has been graded.
    case inProgress = "in_progress"
    /// The set is done and this session's pool entries are mastered, or the user finished early.
    case completed
    /// The time limit passed before the session was completed.
    case expired
    /// Given up by the user, or idle for longer than the maintenance function allows.
    case abandoned

    /// Whether the session still changes: `started` or `in_progress`.
    public var isActive: Bool {
        switch self {
        case .started, .inProgress: true
        case .completed, .expired, .abandoned: false
        }
    }
}

// MARK: - Results

/// The summary of a session for `POST /sessions/{id}/complete` and the completing answer
/// (`openapi.yaml`, `Results`): what was drawn, what was done, how well, and what went to the pool.
public struct SessionResults: Codable, Sendable, Hashable {
    /// The session summarised.
    public var sessionId: String
    /// Its status when summarised.
    public var status: SessionStatus
    /// How many questions were drawn.
    public var questionCount: Int
    /// How many of them are done.
    public var doneCount: Int
    /// Servings answered correctly, pool reviews included.
    public var questionsAnswered: Int
    /// Servings answered correctly at the first try.
    public var correctFirstTry: Int
    /// Every graded answer, right or wrong.
    public var totalAttempts: Int
    /// Questions the session put into the pool (or reset there), in that order.
    public var sentToPool: [QuestionRef]
    /// Pool entries the session mastered, in that order.
    public var mastered: [QuestionRef]
    /// When the session started.
    public var startedAt: EpochMilliseconds
    /// When it ended; `nil` while it is still active.
    public var endedAt: EpochMilliseconds?

    /// A summary.
    public init(
        sessionId: String, status: SessionStatus, questionCount: Int, doneCount: Int, questionsAnswered: Int,
        correctFirstTry: Int, totalAttempts: Int, sentToPool: [QuestionRef], mastered: [QuestionRef],
        startedAt: EpochMilliseconds, endedAt: EpochMilliseconds?
    ) {
        self.sessionId = sessionId
        self.status = status
        self.questionCount = questionCount
        self.doneCount = doneCount
        self.questionsAnswered = questionsAnswered
        self.correctFirstTry = correctFirstTry
        self.totalAttempts = totalAttempts
        self.sentToPool = sentToPool
        self.mastered = mastered
        self.startedAt = startedAt
        self.endedAt = endedAt
    }

    /// The share of answered servings that were right at the first try, from 0 to 1; 0 before
    /// anything was answered. First-try accuracy is what the adaptive rules reward: a question
    /// needing retries goes to the pool however it ends.
    public var accuracy: Double {
        questionsAnswered == 0 ? 0 : Double(correctFirstTry) / Double(questionsAnswered)
    }

    /// Answers that were wrong.
    public var wrongAnswers: Int { totalAttempts - questionsAnswered }

    /// Seconds from start to end, rounded down; `nil` while the session is active.
    public var durationSeconds: Int? {
        endedAt.map { Int(clamping: max(0, $0 - startedAt) / 1000) }
    }
}
