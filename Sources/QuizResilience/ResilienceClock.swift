// MARK: - Time

/// The source of time for retries and the circuit breaker: a monotonic reading and a way to wait.
///
/// This is an I/O seam, so it is a protocol: production code uses ``SystemResilienceClock``,
/// tests a clock they advance by hand, whose `sleep` returns at once and only moves time on.
/// The name avoids Swift's own `Clock` protocol, whose associated `Instant` type would make every
/// wrapper generic for no gain: a ``Duration`` since an arbitrary origin is all the breaker needs.
public protocol ResilienceClock: Sendable {
    /// The time elapsed since an arbitrary, fixed origin. Never goes backwards, whatever the wall clock does.
    func now() -> Duration

    /// Suspends the caller for `duration`; throws `CancellationError` when its task is cancelled first.
    func sleep(for duration: Duration) async throws
}

/// The production clock: `ContinuousClock`, which keeps counting while the machine sleeps, so an
/// open breaker's wait is measured in real elapsed time (as a frozen Lambda sandbox thaws, say).
public struct SystemResilienceClock: ResilienceClock {
    // Every reading is measured from one instant taken when the clock is made, which keeps
    // `now()` a plain `Duration` that the state machines can add and compare.
    private let origin: ContinuousClock.Instant

    /// A clock whose origin is the moment it is made.
    public init() {
        origin = ContinuousClock.now
    }

    /// The time since this clock was made.
    public func now() -> Duration {
        ContinuousClock.now - origin
    }

    /// Sleeps on `ContinuousClock`, honouring task cancellation.
    public func sleep(for duration: Duration) async throws {
        try await ContinuousClock().sleep(for: duration)
    }
}

// MARK: - Randomness

/// The source of the random draws behind retry jitter.
///
/// An I/O seam like the clock: production code draws from the system generator, tests script
/// the draws so that every backoff they expect is an exact value.
public protocol ResilienceRandomSource: Sendable {
    /// A number drawn uniformly from `0...1`, both ends included.
    func unitFraction() -> Double
}

/// Draws from `SystemRandomNumberGenerator`, the operating system's cryptographically secure
/// generator: there is no state to share or lock, and jitter from different processes never correlates.
public struct SystemResilienceRandomSource: ResilienceRandomSource {
    /// The system source.
    public init() {}

    /// A uniform draw from `0...1`.
    public func unitFraction() -> Double {
        var generator = SystemRandomNumberGenerator()
        return Double.random(in: 0...1, using: &generator)
    }
}
