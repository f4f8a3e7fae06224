/// The counters from which a learner's memory progress is computed without reading every memory
/// item (docs/memory-model.md, "Progress"): one set per scope (the whole of a user's memory, and
/// each category), changed by `MemoryCountersDelta`s in the transaction that changes a memory
/// state.
///
/// Totals are plain counts. Due dates are a histogram by hour (UTC): each hour in which some
/// question falls due holds how many do, with two sums that let `MemoryProgress` estimate their
/// retrievability at any later time. A review moves a question from the hour it was due in to the
/// hour it is due in next. Hours rather than days, because a learner's reviews cluster in the
/// hours they study, so hours cost few more buckets than days, and they place a due time finely
/// enough to count whole elapsed days the way the model does.
public struct MemoryCounters: Codable, Sendable, Hashable {
    /// Questions with a memory state (reviewed at least once).
    public var tracked: Int
    /// Questions whose stability is 21 days or more.
    public var mature: Int
    /// Questions with 8 lapses or more.
    public var leeches: Int
    /// The due histogram: hour number (whole hours since the epoch) → the questions due in it.
    public var dueHours: [Int: DueBucket]

    /// Counters; empty by default.
    public init(tracked: Int = 0, mature: Int = 0, leeches: Int = 0, dueHours: [Int: DueBucket] = [:]) {
        self.tracked = tracked
        self.mature = mature
        self.leeches = leeches
        self.dueHours = dueHours
    }

    /// The counters of `states`, counted one by one: for building the counters of existing
    /// states, and for checking kept counters against the states they count.
    public init(states: some Sequence<MemoryState>) {
        self.init()
        for state in states {
            apply(MemoryCountersDelta(from: nil, to: state))
        }
    }

    /// Adds `delta`; hours left with no questions are removed.
    public mutating func apply(_ delta: MemoryCountersDelta) {
        tracked += delta.tracked
        mature += delta.mature
        leeches += delta.leeches
        for change in delta.dueHours {
            var bucket = dueHours[change.hour] ?? DueBucket()
            bucket.add(change.change)
            dueHours[change.hour] = bucket.count == 0 ? nil : bucket
        }
    }

    /// Whether `other` holds the same counts and, within `tolerance` (relative), the same sums:
    /// sums kept by additions and subtractions drift by rounding from sums counted afresh.
    public func matches(_ other: MemoryCounters, tolerance: Double = 1e-9) -> Bool {
        guard tracked == other.tracked, mature == other.mature, leeches == other.leeches,
            dueHours.count == other.dueHours.count
        else { return false }
        return dueHours.allSatisfy { hour, bucket in
            guard let theirs = other.dueHours[hour], theirs.count == bucket.count else { return false }
            func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= tolerance * max(abs(a), abs(b), 1) }
            return close(bucket.inverseStability, theirs.inverseStability)
                && close(bucket.intervalOverStability, theirs.intervalOverStability)
        }
    }
}

/// The questions of one scope due in one hour.
public struct DueBucket: Codable, Sendable, Hashable {
    /// How many questions fall due in it.
    public var count: Int
    /// Σ 1 / stability over them.
    public var inverseStability: Double
    /// Σ interval / stability over them, the interval being the whole days from their last review
    /// to their due date.
    public var intervalOverStability: Double

    /// A bucket's counters; empty by default.
    public init(count: Int = 0, inverseStability: Double = 0, intervalOverStability: Double = 0) {
        self.count = count
        self.inverseStability = inverseStability
        self.intervalOverStability = intervalOverStability
    }

    /// Adds another bucket's counters (or a change, with negative counts).
    public mutating func add(_ other: DueBucket) {
        count += other.count
        inverseStability += other.inverseStability
        intervalOverStability += other.intervalOverStability
        if count == 0 {
            // Sums of terms that cancel leave rounding residue; an empty bucket sums to nothing.
            inverseStability = 0
            intervalOverStability = 0
        }
    }

    /// These counters with every value negated.
    public var negated: DueBucket {
        DueBucket(count: -count, inverseStability: -inverseStability, intervalOverStability: -intervalOverStability)
    }
}

/// What one change of a memory state adds to the counters of every scope the question is in
/// (overall and its category): the data layer writes these as atomic additions in the same
/// transaction as the state.
public struct MemoryCountersDelta: Codable, Sendable, Hashable {
    /// A change of one due hour's counters.
    public struct HourChange: Codable, Sendable, Hashable {
        /// The hour number (whole hours since the epoch).
        public var hour: Int
        /// What to add to that hour.
        public var change: DueBucket

        /// A change of `hour` by `change`.
        public init(hour: Int, change: DueBucket) {
            self.hour = hour
            self.change = change
        }
    }

    /// Change of `tracked`: 1 for a first review, 0 otherwise.
    public var tracked: Int
    /// Change of `mature`: -1, 0 or 1.
    public var mature: Int
    /// Change of `leeches`: 0 or 1.
    public var leeches: Int
    /// The due hours to change: the new hour only (first review), or the old hour's removal and
    /// the new hour's addition (one change when both are the same hour; none when that nets out).
    public var dueHours: [HourChange]

    /// What replacing `old` (`nil` or `.new` for a question never reviewed) by `new` changes.
    public init(from old: MemoryState?, to new: MemoryState) {
        let before = Contribution(old)
        let after = Contribution(new)
        tracked = after.tracked - before.tracked
        mature = after.mature - before.mature
        leeches = after.leeches - before.leeches
        var changes: [HourChange] = []
        if let (hour, counters) = before.due {
            changes.append(HourChange(hour: hour, change: counters.negated))
        }
        if let (hour, counters) = after.due {
            if let index = changes.firstIndex(where: { $0.hour == hour }) {
                // The same hour before and after: the count nets to 0 but the sums move by the
                // change of stability, so they are summed as they are (`DueBucket.add` would
                // clear the sums of a bucket whose count reaches 0).
                let before = changes[index].change
                changes[index].change = DueBucket(
                    count: before.count + counters.count, inverseStability: before.inverseStability + counters.inverseStability,
                    intervalOverStability: before.intervalOverStability + counters.intervalOverStability)
                if changes[index].change == DueBucket() { changes.remove(at: index) }
            } else {
                changes.append(HourChange(hour: hour, change: counters))
            }
        }
        dueHours = changes
    }

    /// Whether the change changes nothing.
    public var isEmpty: Bool { tracked == 0 && mature == 0 && leeches == 0 && dueHours.isEmpty }

    /// What one state counts for.
    private struct Contribution {
        var tracked = 0
        var mature = 0
        var leeches = 0
        var due: (Int, DueBucket)?

        init(_ state: MemoryState?) {
            guard let state, state.state == .review else { return }
            tracked = 1
            mature = state.isMature ? 1 : 0
            leeches = state.leech ? 1 : 0
            guard let dueAt = state.dueAt, let lastReviewAt = state.lastReviewAt, state.stability > 0 else { return }
            let interval = Double(max(0, Days.elapsed(from: lastReviewAt, to: dueAt)))
            due = (
                Days.hourNumber(dueAt),
                DueBucket(count: 1, inverseStability: 1 / state.stability, intervalOverStability: interval / state.stability)
            )
        }
    }
}
