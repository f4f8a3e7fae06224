/// A learner's memory progress, overall or for one category (docs/memory-model.md, "Progress"):
/// what is tracked, due now and in the days ahead, how much of it the learner is expected to
/// recall now, what is mature and what are leeches.
public struct MemoryProgress: Codable, Sendable, Hashable {
    /// Days in the due forecast, today included.
    public static let forecastDays = 30

    /// Questions with a memory state.
    public var tracked: Int
    /// Questions due now: `dueAt` at or before now.
    public var dueNow: Int
    /// Questions falling due on each of the next 30 days (UTC), not counting those due now: the
    /// first entry is the rest of today, the second tomorrow, and so on.
    public var forecast: [Int]
    /// The mean probability of recall now over the tracked questions, 0…1: the share the learner
    /// is expected to recall today. 0 when nothing is tracked.
    public var meanRetrievability: Double
    /// Questions whose stability is 21 days or more.
    public var mature: Int
    /// Questions with 8 lapses or more.
    public var leeches: Int

    /// Progress, field by field.
    public init(
        tracked: Int, dueNow: Int, forecast: [Int], meanRetrievability: Double, mature: Int, leeches: Int
    ) {
        self.tracked = tracked
        self.dueNow = dueNow
        self.forecast = forecast
        self.meanRetrievability = meanRetrievability
        self.mature = mature
        self.leeches = leeches
    }

    // MARK: - From counters

    /// Progress at `now` from kept counters, without reading any memory item.
    ///
    /// Every number is exact but the mean retrievability, which the due histogram estimates: the
    /// questions due in one hour were last reviewed a whole number of days before it (their
    /// interval), so the whole days elapsed now are known to within the hour, and their mean
    /// `interval / stability` and `1 / stability` give the mean of `elapsed / stability`. It is
    /// exact when the questions due in an hour share a stability, and within a few thousandths of
    /// the exact mean for realistic review histories (tested).
    ///
    /// - Parameters:
    ///   - counters: the scope's counters.
    ///   - dueEarlierThisHour: how many of the questions due in the current hour are due at or
    ///     before `now`, which an hour's count cannot tell: a count the data layer reads from its
    ///     due index, limited to the current hour.
    public init(
        counters: MemoryCounters, dueEarlierThisHour: Int, now: EpochMilliseconds,
        parameters: FSRSParameters = .default
    ) {
        let today = Days.dayNumber(now)
        let currentHour = Days.hourNumber(now)
        var overdue = 0
        var forecast = [Int](repeating: 0, count: Self.forecastDays)
        var recalled = 0.0
        for (hour, bucket) in counters.dueHours where bucket.count > 0 {
            if hour < currentHour {
                overdue += bucket.count
            } else if case let offset = Self.floorDivide(hour, 24) - today, offset < Self.forecastDays {
                forecast[offset] += bucket.count
            }
            let sinceDue = Self.expectedWholeDays(since: hour, now: now)
            let meanElapsedOverStability = max(
                0, (bucket.intervalOverStability + sinceDue * bucket.inverseStability) / Double(bucket.count)
            )
            recalled += Double(bucket.count) * pow(1 + parameters.factor * meanElapsedOverStability, parameters.decay)
        }
        let earlierThisHour = min(max(0, dueEarlierThisHour), counters.dueHours[currentHour]?.count ?? 0)
        forecast[0] -= earlierThisHour
        self.init(
            tracked: counters.tracked, dueNow: overdue + earlierThisHour, forecast: forecast,
            meanRetrievability: counters.tracked > 0 ? min(1, recalled / Double(counters.tracked)) : 0,
            mature: counters.mature, leeches: counters.leeches
        )
    }

    /// The whole days from a due time in `hour` to `now`, as the model counts them (the floor),
    /// averaged over due times spread evenly across the hour: exact unless `now` falls in the
    /// same hour of the day.
    static func expectedWholeDays(since hour: Int, now: EpochMilliseconds) -> Double {
        let (start, overflow) = Int64(hour).multipliedReportingOverflow(by: Days.hourMilliseconds)
        guard !overflow else { return 0 }
        let sinceStart = now &- start
        let whole = floorDivide(sinceStart, Days.milliseconds)
        let rest = sinceStart - whole * Days.milliseconds
        guard rest < Days.hourMilliseconds else { return Double(whole) }
        // Due times in the hour before `rest` have had `whole` days, the others one fewer.
        return Double(whole) - 1 + Double(rest) / Double(Days.hourMilliseconds)
    }

    private static func floorDivide<Value: BinaryInteger>(_ value: Value, _ divisor: Value) -> Value {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    // MARK: - From states

    /// Progress at `now` from every memory state of the scope, one by one: exact, and the
    /// reference the counters are tested against. The data layer should not need it per request.
    public init(states: some Sequence<MemoryState>, now: EpochMilliseconds, parameters: FSRSParameters = .default) {
        let today = Days.dayNumber(now)
        var tracked = 0
        var dueNow = 0
        var forecast = [Int](repeating: 0, count: Self.forecastDays)
        var recalled = 0.0
        var mature = 0
        var leeches = 0
        for state in states where state.state == .review {
            tracked += 1
            mature += state.isMature ? 1 : 0
            leeches += state.leech ? 1 : 0
            recalled += state.retrievability(at: now, parameters: parameters)
            guard let dueAt = state.dueAt else { continue }
            if dueAt <= now {
                dueNow += 1
            } else if case let offset = Days.dayNumber(dueAt) - today, offset < Self.forecastDays {
                forecast[offset] += 1
            }
        }
        self.init(
            tracked: tracked, dueNow: dueNow, forecast: forecast,
            meanRetrievability: tracked > 0 ? recalled / Double(tracked) : 0, mature: mature, leeches: leeches
        )
    }
}
