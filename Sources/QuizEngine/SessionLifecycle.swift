/// The lifecycle every kind of session shares (docs/memory-model.md, "Sessions"): status, the
/// optimistic-locking version, the time limit and idleness, as one pure value.
///
/// `QuizSession` and `FlashcardSession` keep their state in one of these and forward to it, so
/// both follow one set of rules: `started` → `in_progress` → `completed` | `expired` |
/// `abandoned`; every change is one version step; after `expiresAt` a change is refused and the
/// session marked `expired`; the maintenance sweep abandons sessions idle for too long.
public struct SessionLifecycle: Codable, Sendable, Hashable {
    /// How long an untouched session lives before the maintenance sweep abandons it: 24 hours.
    public static let defaultIdleLimitSeconds = 86_400

    /// When the session started.
    public let startedAt: EpochMilliseconds
    /// `startedAt + timeLimitSeconds`; from then on the session takes no changes.
    public let expiresAt: EpochMilliseconds
    /// Where the session is in its lifecycle.
    public internal(set) var status: SessionStatus
    /// The optimistic-locking counter: 1 when started, one more on every change.
    public internal(set) var version: Int
    /// When the session last changed; the maintenance sweep measures idleness from it.
    public internal(set) var updatedAt: EpochMilliseconds
    /// When the session ended (completed, abandoned, or `expiresAt` for an expired one).
    public internal(set) var endedAt: EpochMilliseconds?

    /// A session started at `startedAt` with `timeLimitSeconds` to run: `started`, version 1.
    public init(startedAt: EpochMilliseconds, timeLimitSeconds: Int) {
        self.init(
            startedAt: startedAt, expiresAt: Self.adding(seconds: timeLimitSeconds, to: startedAt), status: .started,
            version: 1, updatedAt: startedAt, endedAt: nil
        )
    }

    /// A lifecycle exactly as a store saved it; nothing is checked.
    public init(
        startedAt: EpochMilliseconds, expiresAt: EpochMilliseconds, status: SessionStatus, version: Int,
        updatedAt: EpochMilliseconds, endedAt: EpochMilliseconds?
    ) {
        self.startedAt = startedAt
        self.expiresAt = expiresAt
        self.status = status
        self.version = version
        self.updatedAt = updatedAt
        self.endedAt = endedAt
    }

    // MARK: - Reading

    /// The status as a reader should see it at `now`: an active session past `expiresAt` reads as
    /// `expired` even before a write has marked it so.
    public func effectiveStatus(now: EpochMilliseconds) -> SessionStatus {
        status.isActive && now >= expiresAt ? .expired : status
    }

    /// Whole seconds left before `expiresAt`, rounded up so that 0 means "out of time"; 0 once the
    /// session has ended.
    public func timeRemainingSeconds(now: EpochMilliseconds) -> Int {
        guard effectiveStatus(now: now).isActive else { return 0 }
        let remaining = expiresAt - now
        return Int(clamping: remaining / 1000 + (remaining % 1000 > 0 ? 1 : 0))
    }

    // MARK: - Changing

    /// Records a change: one version step, and the time of the change.
    mutating func touch(now: EpochMilliseconds) {
        version += 1
        updatedAt = now
    }

    /// Records the first graded answer or rating: `started` becomes `in_progress`.
    mutating func markInProgress() {
        status = .inProgress
    }

    /// Throws unless the session takes changes at `now`; an active session found past `expiresAt`
    /// is marked `expired` first (one version step), so that the caller saves that even though
    /// its request fails. A mutating method's `self` is written back when it throws.
    mutating func ensureActive(now: EpochMilliseconds) throws(SessionError) {
        switch status {
        case .started, .inProgress:
            guard now >= expiresAt else { return }
            markExpired()
            touch(now: now)
            throw .expired(expiresAt: expiresAt)
        case .expired:
            throw .expired(expiresAt: expiresAt)
        case .completed, .abandoned:
            throw .notActive(status: status)
        }
    }

    /// Ends the session as `completed` at `now`, without a version step of its own (the answer or
    /// rating that completes it has taken one).
    mutating func finish(now: EpochMilliseconds) {
        status = .completed
        endedAt = now
    }

    /// Completes the session at the user's request. Completing a completed session changes
    /// nothing.
    ///
    /// - Returns: whether the session changed.
    /// - Throws: `expired` after `expiresAt` (then marked so: save it); `notActive` when abandoned.
    mutating func complete(now: EpochMilliseconds) throws(SessionError) -> Bool {
        guard status != .completed else { return false }
        try ensureActive(now: now)
        finish(now: now)
        touch(now: now)
        return true
    }

    /// Gives the session up. Abandoning an abandoned session changes nothing.
    ///
    /// - Throws: `expired` after `expiresAt` (then marked so: save it); `notActive` when completed.
    mutating func abandon(now: EpochMilliseconds) throws(SessionError) {
        guard status != .abandoned else { return }
        try ensureActive(now: now)
        status = .abandoned
        endedAt = now
        touch(now: now)
    }

    /// The maintenance step: an active session untouched for `idleLimitSeconds` becomes
    /// `abandoned`, one merely past `expiresAt` becomes `expired`.
    ///
    /// - Returns: the new status when the session changed (save it), `nil` when it did not.
    mutating func sweep(now: EpochMilliseconds, idleLimitSeconds: Int) -> SessionStatus? {
        guard status.isActive else { return nil }
        if now >= Self.adding(seconds: idleLimitSeconds, to: updatedAt) {
            status = .abandoned
            endedAt = now
        } else if now >= expiresAt {
            markExpired()
        } else {
            return nil
        }
        touch(now: now)
        return status
    }

    private mutating func markExpired() {
        status = .expired
        // The session ended when its time ran out, not when someone noticed.
        endedAt = expiresAt
    }

    /// `time + seconds`, saturating instead of trapping on absurd limits.
    static func adding(seconds: Int, to time: EpochMilliseconds) -> EpochMilliseconds {
        let (milliseconds, overflow) = Int64(clamping: seconds).multipliedReportingOverflow(by: 1000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (sum, sumOverflow) = time.addingReportingOverflow(milliseconds)
        guard !sumOverflow else { return milliseconds < 0 ? .min : .max }
        return sum
    }
}
