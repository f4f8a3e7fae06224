/// What the engine knows about one learner's memory of one question (docs/memory-model.md): the
/// FSRS-6 state after the reviews so far, and the counts a learner sees.
///
/// A plain value, one per (user, question): the data layer stores it with the answer or rating
/// that changes it, in the same transaction. `MemoryScheduler.review(_:rating:at:using:)` makes
/// the next one; nothing else changes it.
public struct MemoryState: Codable, Sendable, Hashable {
    /// Whether the question has been reviewed yet.
    public enum Phase: String, Codable, Sendable, Hashable, CaseIterable {
        /// Never reviewed: no stability, difficulty or due date yet.
        case new
        /// Reviewed at least once and scheduled. The engine uses no learning or relearning steps,
        /// so the first review already schedules a question in days.
        case review
    }

    /// Lapses from which a question is a leech: one the learner keeps forgetting, worth rewriting
    /// rather than reviewing again (Anki's default threshold).
    public static let leechLapses = 8

    /// Stability from which a memory counts as mature, in days (Anki's threshold).
    public static let matureStabilityDays = 21.0

    /// A question that was never reviewed.
    public static let new = MemoryState(
        stability: 0, difficulty: 0, lastReviewAt: nil, dueAt: nil, reps: 0, lapses: 0, lastRating: nil
    )

    /// Days until the probability of recall falls to 0.9; 0 before the first review.
    public var stability: Double
    /// How hard the question is for this learner, 1…10; 0 before the first review.
    public var difficulty: Double
    /// When the question was last reviewed; `nil` before the first review.
    public var lastReviewAt: EpochMilliseconds?
    /// When the question falls due for review; `nil` before the first review.
    public var dueAt: EpochMilliseconds?
    /// Reviews so far.
    public var reps: Int
    /// Times the learner forgot the question after having recalled or learnt it (see
    /// `MemoryScheduler` for what counts).
    public var lapses: Int
    /// The rating of the last review; `nil` before the first.
    public var lastRating: ReviewRating?

    /// A state, field by field, as a store saved it; nothing is checked or recomputed.
    public init(
        stability: Double, difficulty: Double, lastReviewAt: EpochMilliseconds?, dueAt: EpochMilliseconds?, reps: Int,
        lapses: Int, lastRating: ReviewRating?
    ) {
        self.stability = stability
        self.difficulty = difficulty
        self.lastReviewAt = lastReviewAt
        self.dueAt = dueAt
        self.reps = reps
        self.lapses = lapses
        self.lastRating = lastRating
    }

    /// `new` before the first review, `review` after it.
    public var state: Phase { reps == 0 || lastReviewAt == nil ? .new : .review }

    /// Whether the learner has lapsed on it `leechLapses` (8) times or more.
    public var leech: Bool { lapses >= Self.leechLapses }

    /// Whether the memory is mature: a stability of 21 days or more (Anki's threshold for
    /// "mature" cards).
    public var isMature: Bool { state == .review && stability >= Self.matureStabilityDays }

    /// Whether the question is due for review at `now`; a new question is not "due", it is new.
    public func isDue(at now: EpochMilliseconds) -> Bool {
        guard let dueAt else { return false }
        return dueAt <= now
    }

    /// The probability of recalling the question at `now`, counting whole days since the last
    /// review as the reference does; 0 for a question never reviewed.
    public func retrievability(at now: EpochMilliseconds, parameters: FSRSParameters = .default) -> Double {
        guard state == .review, let lastReviewAt, stability > 0 else { return 0 }
        return FSRS(parameters: parameters).retrievability(
            elapsedDays: Days.elapsed(from: lastReviewAt, to: now), stability: stability
        )
    }
}

// MARK: - Whole days

/// Time in whole days, as the reference counts it.
public enum Days {
    /// Milliseconds in a day.
    public static let milliseconds: Int64 = 86_400_000

    /// Whole days from `start` to `end`: the floor of the elapsed time over 86,400 s, as Python's
    /// `timedelta.days` counts it, so a time before `start` gives a negative count (-1 for one
    /// millisecond before).
    public static func elapsed(from start: EpochMilliseconds, to end: EpochMilliseconds) -> Int {
        let (difference, overflow) = end.subtractingReportingOverflow(start)
        guard !overflow else { return end > start ? Int.max : Int.min }
        return Int(floorDivide(difference, milliseconds))
    }

    /// Milliseconds in an hour.
    public static let hourMilliseconds: Int64 = 3_600_000

    /// The day number of `time`: whole days since the Unix epoch, in UTC.
    public static func dayNumber(_ time: EpochMilliseconds) -> Int {
        Int(floorDivide(time, milliseconds))
    }

    /// The hour number of `time`: whole hours since the Unix epoch.
    public static func hourNumber(_ time: EpochMilliseconds) -> Int {
        Int(floorDivide(time, hourMilliseconds))
    }

    /// `time + days` days, saturating instead of trapping.
    public static func adding(_ days: Int, to time: EpochMilliseconds) -> EpochMilliseconds {
        let (span, overflow) = Int64(clamping: days).multipliedReportingOverflow(by: milliseconds)
        guard !overflow else { return days < 0 ? .min : .max }
        let (sum, sumOverflow) = time.addingReportingOverflow(span)
        guard !sumOverflow else { return span < 0 ? .min : .max }
        return sum
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}
