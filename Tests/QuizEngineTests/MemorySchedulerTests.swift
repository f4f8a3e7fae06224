import Foundation
import QuizEngine
import Testing

@Suite struct MemorySchedulerTests {
    static let day = Days.milliseconds
    static let start: EpochMilliseconds = 1_700_000_000_000
    let scheduler = MemoryScheduler()

    /// Reviews with no fuzz; the generator must not be drawn from.
    func review(_ state: MemoryState, _ rating: ReviewRating, at time: EpochMilliseconds) -> MemoryState {
        var rng = ScriptedRandom(ScriptedRandom.low)
        let next = scheduler.review(state, rating: rating, at: time, using: &rng)
        #expect(rng.draws == 0)
        return next
    }

    // MARK: - The sequence (figures from the reference package)

    @Test func goodGoodGoodAgainGoodOnEachDueDate() throws {
        let ratings: [ReviewRating] = [.good, .good, .good, .again, .good]
        let stability = [2.3065, 10.9643, 46.2802, 2.9326, 7.7782]
        let difficulty = [2.1181, 2.1112, 2.1043, 7.3900, 7.3778]
        let intervals = [2, 11, 46, 3, 8]
        var state = MemoryState.new
        var now = Self.start
        for (index, rating) in ratings.enumerated() {
            state = review(state, rating, at: now)
            #expect(abs(state.stability - stability[index]) < 0.00005, "stability after review \(index + 1)")
            #expect(abs(state.difficulty - difficulty[index]) < 0.00005, "difficulty after review \(index + 1)")
            let due = try #require(state.dueAt)
            #expect(due - now == EpochMilliseconds(intervals[index]) * Self.day, "interval after review \(index + 1)")
            #expect(state.lastReviewAt == now)
            #expect(state.reps == index + 1)
            #expect(state.state == .review)
            now = due
        }
        #expect(state.lapses == 1)
        #expect(state.lastRating == .good)
        #expect(!state.leech)
    }

    // MARK: - First review

    @Test(arguments: [
        (ReviewRating.again, 0.212, 6.4133, 1), (.hard, 1.2931, 5.11217071, 1), (.good, 2.3065, 2.11810397, 2),
        (.easy, 8.2956, 1.0, 8),
    ])
    func firstReviewSetsTheInitialStateOfItsRating(rating: ReviewRating, stability: Double, difficulty: Double, days: Int) {
        let state = review(.new, rating, at: Self.start)
        #expect(state.stability == stability)
        #expect(abs(state.difficulty - difficulty) < 1e-8)
        #expect(state.dueAt == Self.start + EpochMilliseconds(days) * Self.day)
        #expect(state.lapses == 0, "a first `again` is learning, not forgetting")
        #expect(state.reps == 1)
    }

    // MARK: - Later reviews

    @Test func aReviewUnderADayLaterUsesTheSameDayFormula() {
        let first = review(.new, .good, at: Self.start)
        // 23 h 59 min later: still 0 whole days.
        let sameDay = review(first, .good, at: Self.start + Self.day - 60_000)
        let model = FSRS()
        #expect(sameDay.stability == model.sameDayStability(2.3065, rating: .good))
        // e^(0.5425 · 0.0912) · 2.3065^-0.0658 < 1, so a same-day `good` keeps the stability.
        #expect(sameDay.stability == 2.3065)
        #expect(sameDay.difficulty == model.nextDifficulty(first.difficulty, rating: .good))
        // An hour later, forgotten: the reference gives S 0.775084, D 7.394503, due in 1 day.
        let again = review(first, .again, at: Self.start + 3_600_000)
        #expect(abs(again.stability - 0.7750839828558984) < 1e-12)
        #expect(abs(again.difficulty - 7.394502741279718) < 1e-12)
        #expect(again.dueAt == Self.start + 3_600_000 + Self.day)
        #expect(again.lapses == 1)
    }

    @Test func aReviewAtLeastADayLaterUsesTheRecallFormula() {
        let first = review(.new, .good, at: Self.start)
        let next = review(first, .good, at: Self.start + Self.day)
        let model = FSRS()
        let retrievability = model.retrievability(elapsedDays: 1, stability: 2.3065)
        #expect(
            next.stability
                == model.recallStability(difficulty: first.difficulty, stability: 2.3065, retrievability: retrievability, rating: .good)
        )
        #expect(next.stability > first.stability)
    }

    @Test func aLapseTakesTheSmallerOfItsTwoFormulas() {
        let model = FSRS()
        // Long after the last review the long-term lapse formula is the smaller.
        let longTerm = model.lapseStability(difficulty: 5, stability: 100, retrievability: 0.2)
        #expect(longTerm < 100 / 1.0507)
        // A tiny stability, long forgotten: the short-term bound S / e^(w17·w18) is the smaller.
        let bounded = model.lapseStability(difficulty: 1, stability: 0.01, retrievability: 0)
        #expect(abs(bounded - 0.01 / pow(2.718281828459045, 0.5425 * 0.0912)) < 1e-15)
    }

    @Test func difficultyMovesTowardsItsBoundsAndStaysWithin() {
        let model = FSRS()
        var hard = 5.0
        var easy = 5.0
        for _ in 0..<200 {
            hard = model.nextDifficulty(hard, rating: .again)
            easy = model.nextDifficulty(easy, rating: .easy)
        }
        #expect(hard <= 10 && hard > 9.9)
        #expect(easy == 1)
        // Linear damping: the same `again` moves a hard question less than an easy one.
        #expect(model.nextDifficulty(9, rating: .again) - 9 < model.nextDifficulty(2, rating: .again) - 2)
    }

    @Test func retrievabilityIsNinetyPercentAfterStabilityDaysAndCountsWholeDays() {
        let first = review(.new, .easy, at: Self.start)  // stability 8.2956
        #expect(first.retrievability(at: Self.start) == 1)
        // 23 hours: 0 whole days.
        #expect(first.retrievability(at: Self.start + 23 * 3_600_000) == 1)
        let model = FSRS()
        #expect(abs(model.retrievability(elapsedDays: 10, stability: 10) - 0.9) < 1e-12)
        #expect(first.retrievability(at: Self.start + 8 * Self.day) == model.retrievability(elapsedDays: 8, stability: 8.2956))
        // Before the last review (a clock behind): as if no time had passed.
        #expect(first.retrievability(at: Self.start - Self.day) == 1)
        #expect(MemoryState.new.retrievability(at: Self.start) == 0)
    }

    // MARK: - Intervals

    @Test func intervalsAreRoundedHalfToEvenAndClamped() throws {
        let model = FSRS()
        let retention = DesiredRetention.default
        #expect(model.intervalDays(stability: 0.001, desiredRetention: retention, maximumDays: 36_500) == 1)
        #expect(model.intervalDays(stability: 1_000_000, desiredRetention: retention, maximumDays: 36_500) == 36_500)
        #expect(model.intervalDays(stability: .infinity, desiredRetention: retention, maximumDays: 36_500) == 36_500)
        // At 0.9 the interval is the stability; 2.5 and 3.5 round to the even neighbour, as
        // Python's round does (2.5 → 2, 3.5 → 4), where schoolbook rounding gives 3 and 4.
        let factor = FSRSParameters.default.factor
        for (stability, days) in [(2.5, 2), (3.5, 4), (4.5, 4), (100.5, 100)] {
            let exact = (stability / factor) * (pow(0.9, 1 / FSRSParameters.default.decay) - 1)
            try #require(exact == stability, "the halfway case is exactly halfway in doubles")
            #expect(model.intervalDays(stability: stability, desiredRetention: retention, maximumDays: 36_500) == days)
        }
        // A higher desired retention means shorter intervals.
        let high = try! DesiredRetention(0.97)
        let low = try! DesiredRetention(0.7)
        #expect(model.intervalDays(stability: 100, desiredRetention: high, maximumDays: 36_500) == 22)
        #expect(model.intervalDays(stability: 100, desiredRetention: low, maximumDays: 36_500) == 929)
    }

    // MARK: - Lapses and leeches

    @Test func lapsesCountForgettingNotRelearningTheSameDay() {
        var state = review(.new, .again, at: Self.start)
        #expect(state.lapses == 0, "a first `again` is learning")
        state = review(state, .again, at: Self.start + 60_000)
        #expect(state.lapses == 0, "again after again the same day: still learning")
        state = review(state, .good, at: Self.start + 120_000)
        state = review(state, .again, at: Self.start + 180_000)
        #expect(state.lapses == 1, "recalled, then forgotten: a lapse, even the same day")
        state = review(state, .again, at: Self.start + 240_000)
        #expect(state.lapses == 1, "again after again the same day: relearning")
        state = review(state, .again, at: Self.start + 2 * Self.day)
        #expect(state.lapses == 2, "again after again on another day: forgotten again")
    }

    @Test func theEighthLapseMakesALeech() {
        var state = review(.new, .good, at: Self.start)
        var now = Self.start
        for lapse in 1...8 {
            now += 2 * Self.day
            state = review(state, .again, at: now)
            #expect(state.lapses == lapse)
            #expect(state.leech == (lapse >= 8))
            now += 2 * Self.day
            state = review(state, .good, at: now)
        }
        #expect(state.leech)
    }

    // MARK: - Fuzz

    @Test(arguments: [(3, 2...4), (10, 8...12), (30, 27...33), (100, 93...107), (1000, 948...1052)])
    func fuzzSpreadsAnIntervalOverTheReferenceRange(interval: Int, range: ClosedRange<Int>) {
        let fuzzy = MemoryScheduler(fuzz: true)
        var rng = SeededRandomGenerator(seed: UInt64(interval))
        var seen = Set<Int>()
        for _ in 0..<2000 {
            let state = MemoryState(
                stability: Double(interval), difficulty: 5, lastReviewAt: Self.start, dueAt: nil, reps: 1, lapses: 0,
                lastRating: .good
            )
            // Reviewed the same day with `good`: the stability stays, so the interval before fuzz is `interval`.
            let next = fuzzy.review(state, rating: .good, at: Self.start + 1000, using: &rng)
            #expect(fuzzy.intervalDays(stability: next.stability) == interval)
            let days = Int((try! #require(next.dueAt) - (Self.start + 1000)) / Self.day)
            seen.insert(days)
        }
        #expect(seen == Set(range))
    }

    @Test func fuzzLeavesIntervalsUnderThreeDaysAlone() {
        let fuzzy = MemoryScheduler(fuzz: true)
        var rng = ScriptedRandom(ScriptedRandom.low)
        let state = fuzzy.review(.new, rating: .good, at: Self.start, using: &rng)
        #expect(state.dueAt == Self.start + 2 * Self.day)
        #expect(rng.draws == 0)
    }

    // MARK: - Ratings and settings

    @Test func confidenceMapsOntoTheFourRatings() throws {
        #expect(try [1, 2, 3, 4, 5].map { try ReviewRating(confidence: $0) } == [.again, .again, .hard, .good, .easy])
        #expect(throws: MemoryError.invalidRating("")) { try ReviewRating(confidence: 0) }
        #expect(throws: MemoryError.invalidRating("")) { try ReviewRating(confidence: 6) }
        #expect(try ReviewRating(number: 4) == .easy)
        #expect(throws: MemoryError.invalidRating("")) { try ReviewRating(number: 5) }
        #expect(ReviewRating(name: "hard") == .hard)
        #expect(ReviewRating(name: "Hard") == nil)
        #expect(ReviewRating(correct: true) == .good)
        #expect(ReviewRating(correct: false) == .again)
    }

    @Test func desiredRetentionIsKeptBetweenSeventyAndNinetySevenPercent() throws {
        #expect(try DesiredRetention(0.70).value == 0.70)
        #expect(try DesiredRetention(0.97).value == 0.97)
        for value in [0.69, 0.971, 1, 0, -0.9, .nan, .infinity] {
            #expect(throws: MemoryError.invalidDesiredRetention(value)) { try DesiredRetention(value) }
        }
        #expect(DesiredRetention.default.value == 0.9)
    }

    @Test func parametersAreCheckedAgainstTheReferenceBounds() throws {
        #expect(FSRSParameters.default.weights.count == 21)
        #expect(try FSRSParameters(weights: FSRSParameters.defaultWeights) == .default)
        #expect(throws: MemoryError.invalidParameters("")) { try FSRSParameters(weights: [1, 2, 3]) }
        var weights = FSRSParameters.defaultWeights
        weights[20] = 0.9
        #expect(throws: MemoryError.invalidParameters("")) { try FSRSParameters(weights: weights) }
        weights[20] = .nan
        #expect(throws: MemoryError.invalidParameters("")) { try FSRSParameters(weights: weights) }
    }

    @Test func elapsedDaysAreFlooredAsTheReferenceCountsThem() {
        #expect(Days.elapsed(from: 0, to: Self.day - 1) == 0)
        #expect(Days.elapsed(from: 0, to: Self.day) == 1)
        #expect(Days.elapsed(from: 0, to: -1) == -1)
        #expect(Days.elapsed(from: 0, to: -Self.day) == -1)
        #expect(Days.elapsed(from: 0, to: -Self.day - 1) == -2)
        #expect(Days.elapsed(from: .min, to: .max) == .max)
        #expect(Days.adding(36_500, to: .max - 5) == .max)
        #expect(Days.dayNumber(-1) == -1)
    }
}
