import QuizEngine
import Testing

@Suite struct MemoryProgressTests {
    static let day = Days.milliseconds
    /// Midnight UTC, so that day numbers are easy to read.
    static let midnight: EpochMilliseconds = 19_700 * day
    let scheduler = MemoryScheduler()

    func reviewed(_ state: MemoryState, _ rating: ReviewRating, at time: EpochMilliseconds) -> MemoryState {
        var rng = SeededRandomGenerator(seed: 0)
        return scheduler.review(state, rating: rating, at: time, using: &rng)
    }

    // MARK: - Deltas

    @Test func aFirstReviewStartsTrackingAndAddsItsDueDay() throws {
        let state = reviewed(.new, .good, at: Self.midnight + 3_600_000)
        let delta = MemoryCountersDelta(from: nil, to: state)
        #expect(delta.tracked == 1)
        #expect(delta.mature == 0)
        #expect(delta.leeches == 0)
        #expect(delta.dueHours.count == 1)
        let change = try #require(delta.dueHours.first)
        #expect(change.hour == 19_702 * 24 + 1)
        #expect(change.change.count == 1)
        #expect(abs(change.change.inverseStability - 1 / 2.3065) < 1e-12)
        #expect(abs(change.change.intervalOverStability - 2 / 2.3065) < 1e-12)
        #expect(MemoryCountersDelta(from: .new, to: state) == delta)
    }

    @Test func aReviewMovesTheQuestionFromItsOldDueDayToItsNewOne() throws {
        let first = reviewed(.new, .good, at: Self.midnight)
        let second = reviewed(first, .good, at: try #require(first.dueAt))
        let delta = MemoryCountersDelta(from: first, to: second)
        #expect(delta.tracked == 0)
        #expect(delta.dueHours.map(\.hour) == [19_702 * 24, 19_713 * 24])
        #expect(delta.dueHours.map(\.change.count) == [-1, 1])
        var counters = MemoryCounters(states: [first])
        counters.apply(delta)
        #expect(counters.matches(MemoryCounters(states: [second])))
        #expect(counters.dueHours[19_702 * 24] == nil, "an emptied hour is removed")
    }

    @Test func aReviewThatStaysInItsDueHourStillMovesTheSums() throws {
        // Two same-day agains a day apart from their due times: both due in the same hour.
        let first = reviewed(.new, .again, at: Self.midnight)
        let second = reviewed(first, .good, at: Self.midnight)
        #expect(Days.hourNumber(first.dueAt!) == Days.hourNumber(second.dueAt!))
        #expect(first.stability != second.stability)
        let delta = MemoryCountersDelta(from: first, to: second)
        let change = try #require(delta.dueHours.first)
        #expect(delta.dueHours.count == 1)
        #expect(change.change.count == 0)
        #expect(abs(change.change.inverseStability - (1 / second.stability - 1 / first.stability)) < 1e-12)
        var counters = MemoryCounters(states: [first])
        counters.apply(delta)
        #expect(counters.matches(MemoryCounters(states: [second])))
    }

    @Test func maturityAndLeechesAreCountedOnTheirTransitions() {
        let young = MemoryState(stability: 20, difficulty: 5, lastReviewAt: Self.midnight, dueAt: Self.midnight + 20 * Self.day, reps: 4, lapses: 7, lastRating: .good)
        var old = young
        old.stability = 21
        #expect(MemoryCountersDelta(from: young, to: old).mature == 1)
        #expect(MemoryCountersDelta(from: old, to: young).mature == -1)
        var leech = young
        leech.lapses = 8
        #expect(MemoryCountersDelta(from: young, to: leech).leeches == 1)
        #expect(MemoryCountersDelta(from: young, to: young).isEmpty)
    }

    // MARK: - Counters against a scan

    /// A learner's review history over `days` days: each day the due questions and a few new ones
    /// are reviewed, recalled with the model's own probability.
    static func population(questions: Int, days: Int, seed: UInt64) -> (states: [MemoryState], counters: MemoryCounters, end: EpochMilliseconds) {
        var rng = SeededRandomGenerator(seed: seed)
        let scheduler = MemoryScheduler(desiredRetention: try! DesiredRetention(0.85))
        var states = [MemoryState](repeating: .new, count: questions)
        var counters = MemoryCounters()
        var introduced = 0
        for dayIndex in 0..<days {
            // Reviews spread over the waking hours of the day.
            let base = midnight + EpochMilliseconds(dayIndex) * day + 8 * 3_600_000
            for index in states.indices {
                let time = base + EpochMilliseconds(rng.next() % 50_000_000)
                let state = states[index]
                let due = state.isDue(at: time)
                let isNew = state.state == .new && introduced < (dayIndex + 1) * 10 && index == introduced
                // Now and then a learner reviews a question early, in a quiz.
                let early = state.state == .review && rng.next() % 200 == 0
                guard due || isNew || early else { continue }
                if isNew { introduced += 1 }
                let recalled = Double(rng.next() >> 11) * 0x1.0p-53 < state.retrievability(at: time)
                let rating: ReviewRating = recalled ? (rng.next() % 5 == 0 ? .easy : .good) : .again
                let next = scheduler.review(state, rating: rating, at: time, using: &rng)
                counters.apply(MemoryCountersDelta(from: state, to: next))
                states[index] = next
            }
        }
        return (states, counters, midnight + EpochMilliseconds(days) * day)
    }

    @Test(arguments: [(400, 120, UInt64(1)), (1000, 200, 2), (200, 40, 3)])
    func countersGiveTheNumbersOfAScan(questions: Int, days: Int, seed: UInt64) throws {
        let (states, counters, end) = Self.population(questions: questions, days: days, seed: seed)
        #expect(counters.matches(MemoryCounters(states: states)), "counters kept by deltas equal counters counted afresh")
        var rng = SeededRandomGenerator(seed: seed)
        for _ in 0..<20 {
            let now = end - 5 * Self.day + EpochMilliseconds(rng.next() % UInt64(40 * Self.day))
            let exact = MemoryProgress(states: states, now: now)
            let hour = Days.hourNumber(now)
            let dueEarlierThisHour = states.filter { state in
                guard let dueAt = state.dueAt else { return false }
                return Days.hourNumber(dueAt) == hour && dueAt <= now
            }.count
            let kept = MemoryProgress(counters: counters, dueEarlierThisHour: dueEarlierThisHour, now: now)
            #expect(kept.tracked == exact.tracked)
            #expect(kept.dueNow == exact.dueNow)
            #expect(kept.forecast == exact.forecast)
            #expect(kept.mature == exact.mature)
            #expect(kept.leeches == exact.leeches)
            #expect(abs(kept.meanRetrievability - exact.meanRetrievability) < 0.005, "estimate \(kept.meanRetrievability), exact \(exact.meanRetrievability)")
        }
        #expect(counters.tracked > questions / 2)
    }

    @Test func progressCountsDueNowTheForecastMaturityAndLeeches() {
        let now = Self.midnight + 12 * 3_600_000
        func state(due: EpochMilliseconds, stability: Double = 5, lapses: Int = 0) -> MemoryState {
            MemoryState(stability: stability, difficulty: 5, lastReviewAt: due - 5 * Self.day, dueAt: due, reps: 3, lapses: lapses, lastRating: .good)
        }
        let states = [
            state(due: now - 3 * Self.day),  // overdue
            state(due: now - 1),  // due in the hour before
            state(due: now),  // due now exactly, earlier in this hour
            state(due: now + 1),  // later in this hour
            state(due: now + Self.day, stability: 21),  // tomorrow, mature
            state(due: now + 29 * Self.day, lapses: 8),  // the last forecast day... of day 29
            state(due: now + 30 * Self.day),  // beyond the forecast
            .new,  // not tracked
        ]
        let progress = MemoryProgress(states: states, now: now)
        #expect(progress.tracked == 7)
        #expect(progress.dueNow == 3)
        var forecast = [Int](repeating: 0, count: 30)
        forecast[0] = 1
        forecast[1] = 1
        forecast[29] = 1
        #expect(progress.forecast == forecast)
        #expect(progress.mature == 1)
        #expect(progress.leeches == 1)
        let kept = MemoryProgress(counters: MemoryCounters(states: states), dueEarlierThisHour: 1, now: now)
        #expect(kept.dueNow == 3)
        #expect(kept.forecast == forecast)
        #expect(MemoryProgress(counters: MemoryCounters(), dueEarlierThisHour: 0, now: now).meanRetrievability == 0)
    }
}
