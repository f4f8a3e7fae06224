import Synchronization

/// A wall clock the tests set and move by hand, for TTLs, time limits and deadlines. It starts at
/// 2027-01-15T08:00:00Z (epoch second 1,800,000,000).
public final class TestClock: Sendable {
    private let value = Mutex<Int64>(1_800_000_000_000)

    /// A clock at its start time.
    public init() {}

    /// The time in epoch milliseconds.
    public var now: Int64 { value.withLock { $0 } }

    /// The time in whole epoch seconds, as TTL attributes count it.
    public var seconds: Int64 { now / 1000 }

    /// Moves the clock forward (or back, for a negative value).
    public func advance(seconds: Int64) { value.withLock { $0 += seconds * 1000 } }

    /// Sets the clock to `seconds` after the epoch.
    public func set(seconds: Int64) { value.withLock { $0 = seconds * 1000 } }
}
