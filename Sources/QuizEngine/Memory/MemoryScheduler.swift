/// Schedules reviews with FSRS-6 (docs/memory-model.md): from a memory state, a rating and the
/// time of the review, the next state and when the question falls due.
///
/// It behaves as the reference `fsrs` 6.3.2 does with `Scheduler(learning_steps=(),
/// relearning_steps=(), enable_fuzzing=False)`: the first review sets the initial stability and
/// difficulty; later reviews count whole elapsed days (floor of the seconds over 86,400); a review
/// less than one day after the last uses the same-day stability formula, any other the recall or
/// lapse formula; difficulty changes at every review after the first; the interval is rounded to
/// whole days and clamped to 1…36,500. The oracle test holds it to that for every step.
public struct MemoryScheduler: Sendable, Hashable {
    /// The longest interval, in days: 100 years.
    public static let defaultMaximumIntervalDays = 36_500

    /// The model's formulas and weights.
    public var model: FSRS
    /// The share of reviews the learner wants to recall; sets every interval.
    public var desiredRetention: DesiredRetention
    /// The longest interval, in days.
    public var maximumIntervalDays: Int
    /// Whether intervals of 3 days or more are spread by a few days at random, so that questions
    /// learnt together do not stay due together. Off unless the deployment turns it on.
    public var fuzz: Bool

    /// A scheduler; by default the published weights, 0.9 retention, no fuzz.
    public init(
        parameters: FSRSParameters = .default, desiredRetention: DesiredRetention = .default,
        maximumIntervalDays: Int = defaultMaximumIntervalDays, fuzz: Bool = false
    ) {
        model = FSRS(parameters: parameters)
        self.desiredRetention = desiredRetention
        self.maximumIntervalDays = max(1, maximumIntervalDays)
        self.fuzz = fuzz
    }

    // MARK: - Reviewing

    /// The state after reviewing `state` with `rating` at `now`; `rng` spreads the interval when
    /// `fuzz` is on and is not touched otherwise.
    ///
    /// What counts as a lapse: `again` on a question reviewed before, except a repeated `again`
    /// less than a day after an `again` (relearning the same day is not forgetting again). A time
    /// before the last review counts as the same day, as in the reference.
    public func review(
        _ state: MemoryState, rating: ReviewRating, at now: EpochMilliseconds,
        using rng: inout some RandomNumberGenerator
    ) -> MemoryState {
        var next = state
        var sameDay = false
        if state.state == .new {
            next.stability = model.initialStability(rating)
            next.difficulty = model.initialDifficulty(rating)
        } else {
            let elapsed = Days.elapsed(from: state.lastReviewAt ?? now, to: now)
            sameDay = elapsed < 1
            if sameDay {
                next.stability = model.sameDayStability(state.stability, rating: rating)
            } else {
                next.stability = model.nextStability(
                    difficulty: state.difficulty, stability: state.stability,
                    retrievability: model.retrievability(elapsedDays: elapsed, stability: state.stability),
                    rating: rating
                )
            }
            next.difficulty = model.nextDifficulty(state.difficulty, rating: rating)
            if rating == .again, !(sameDay && state.lastRating == .again) {
                next.lapses += 1
            }
        }
        var interval = intervalDays(stability: next.stability)
        if fuzz {
            interval = fuzzed(interval, using: &rng)
        }
        next.reps += 1
        next.lastRating = rating
        next.lastReviewAt = now
        next.dueAt = Days.adding(interval, to: now)
        return next
    }

    /// `review(_:rating:at:using:)` with the system's random source for the fuzz.
    public func review(_ state: MemoryState, rating: ReviewRating, at now: EpochMilliseconds) -> MemoryState {
        var rng = SystemRandomNumberGenerator()
        return review(state, rating: rating, at: now, using: &rng)
    }

    /// The interval for `stability` at the desired retention, before any fuzz.
    public func intervalDays(stability: Double) -> Int {
        model.intervalDays(stability: stability, desiredRetention: desiredRetention, maximumDays: maximumIntervalDays)
    }

    // MARK: - Fuzz

    /// The fuzz ranges of the reference: below 2.5 days none; then ±(1 + 15 % of the days between
    /// 2.5 and 7 + 10 % of those between 7 and 20 + 5 % of those beyond 20).
    static let fuzzRanges: [(start: Double, end: Double, factor: Double)] = [
        (2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, .infinity, 0.05),
    ]

    /// The lowest and highest fuzzed interval for `interval` days, as the reference computes them.
    func fuzzRange(_ interval: Int) -> ClosedRange<Int> {
        var delta = 1.0
        for range in Self.fuzzRanges {
            delta += range.factor * max(min(Double(interval), range.end) - range.start, 0.0)
        }
        var low = Int((Double(interval) - delta).rounded(.toNearestOrEven))
        let high = min(Int((Double(interval) + delta).rounded(.toNearestOrEven)), maximumIntervalDays)
        low = min(max(2, low), high)
        return low...high
    }

    /// `interval` spread uniformly over its fuzz range; intervals under 2.5 days stay as they are.
    func fuzzed(_ interval: Int, using rng: inout some RandomNumberGenerator) -> Int {
        guard Double(interval) >= 2.5 else { return interval }
        let range = fuzzRange(interval)
        // The reference draws a real number in [low, high + 1) and rounds it; rounding the top
        // half-day up would step past `high`, so the draw is a whole number of the range instead:
        // the same spread, never beyond it.
        return range.lowerBound + rng.uniformIndex(below: range.count)
    }
}
