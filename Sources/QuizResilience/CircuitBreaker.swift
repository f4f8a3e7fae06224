public import QuizStore
import Synchronization

/// Stops calling a backend that keeps failing, so that callers get an answer at once instead of
/// a timeout, and the backend gets room to recover.
///
/// This is the thread-safe owner of a ``StateMachine``: it reads the injected clock, keeps the
/// machine behind a `Mutex`, turns a fail-fast decision into `TableError.unavailable` with a
/// `retryAfter`, and reports transitions. One breaker guards one backend and is shared by every
/// caller of it in the process; ``ResilientTableStore`` makes one per wrapped store.
///
/// What counts as a failure is ``outcome(of:)``: the faults of the backend itself.
public final class CircuitBreaker: Sendable {
    /// When the breaker trips and how it recovers. The defaults suit a DynamoDB or SQLite table
    /// behind a Lambda function: a verdict needs ten calls, and an outage is probed every five seconds.
    public struct Configuration: Sendable, Hashable {
        /// How many of the latest calls the failure rate is measured over (a count-based sliding
        /// window; see ``StateMachine``). Default 20.
        public var windowSize: Int
        /// How many calls the window must hold before the breaker may trip, so that two failures
        /// out of the first three calls after a cold start do not open it. Default 10. Values above
        /// `windowSize` are treated as `windowSize`, values below 1 as 1.
        public var minimumCalls: Int
        /// The share of failures in the window, from 0 to 1, at or above which the breaker trips.
        /// Default 0.5. At least one failure is always needed, so 0 means "trip on any failure".
        public var failureRateThreshold: Double
        /// How long the breaker stays open before it lets probes through. Default 5 s.
        public var openDuration: Duration
        /// How many probe calls a half-open breaker lets through; all must succeed for it to
        /// close. Default 3; values below 1 are treated as 1.
        public var permittedProbes: Int

        /// A configuration; every field has a default.
        public init(
            windowSize: Int = 20, minimumCalls: Int = 10, failureRateThreshold: Double = 0.5,
            openDuration: Duration = .seconds(5), permittedProbes: Int = 3
        ) {
            self.windowSize = windowSize
            self.minimumCalls = minimumCalls
            self.failureRateThreshold = failureRateThreshold
            self.openDuration = openDuration
            self.permittedProbes = permittedProbes
        }

        var effectiveMinimumCalls: Int { min(max(1, minimumCalls), max(1, windowSize)) }
        var effectivePermittedProbes: Int { max(1, permittedProbes) }
    }

    /// The thresholds and durations.
    public let configuration: Configuration
    private let machine: Mutex<StateMachine>
    private let clock: any ResilienceClock
    private let onTransition: @Sendable (StateMachine.Transition) -> Void

    /// A closed breaker.
    /// - Parameters:
    ///   - configuration: When to trip and how to recover.
    ///   - clock: The monotonic time the open wait is measured in.
    ///   - onTransition: Called, outside the lock, each time the breaker opens or closes; for logs and metrics.
    public init(
        configuration: Configuration = Configuration(), clock: any ResilienceClock = SystemResilienceClock(),
        onTransition: @escaping @Sendable (StateMachine.Transition) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.machine = Mutex(StateMachine(configuration: configuration))
        self.clock = clock
        self.onTransition = onTransition
    }

    /// Where the breaker stands. An open breaker whose wait has passed still reads `open` until
    /// the next call half-opens it.
    public var state: StateMachine.State {
        machine.withLock { $0.state }
    }

    // MARK: - Classification

    /// How the breaker counts a call that threw `error`.
    ///
    /// Failures are `TableError.isBackendFault`: a backend failure (5xx, I/O error), a timeout,
    /// a connection failure, or throttling, which is the backend saying it is overloaded, so
    /// tripping sheds exactly the load it asks to shed. Everything else is a success, because the
    /// backend answered: a failed condition, a validation error, a cancelled transaction, and
    /// also `busy`, which is contention between our own writers (SQLite's lock, a transaction
    /// conflict) on a healthy backend; opening on it would turn brief contention into seconds
    /// of outage, while the retry policy already deals with it.
    public static func outcome(of error: TableError) -> StateMachine.Outcome {
        error.isBackendFault ? .failure : .success
    }

    // MARK: - Calls

    /// Lets a call through, or throws `unavailable` with the seconds left until the breaker
    /// half-opens in `retryAfter` (`nil` while it is half-open with every probe taken).
    public func admit() throws(TableError) -> StateMachine.Permit {
        let now = clock.now()
        switch machine.withLock({ $0.admit(now: now) }) {
        case .proceed(let permit):
            return permit
        case .failFast(let retryAfter?):
            throw TableError(
                .unavailable, "circuit breaker is open; calls fail fast for another \(retryAfter)",
                retryAfter: retryAfter.inSeconds)
        case .failFast(nil):
            throw TableError(.unavailable, "circuit breaker is half-open and its probe calls are all in flight")
        }
    }

    /// Reports how a call admitted with `permit` went.
    public func record(_ outcome: StateMachine.Outcome, for permit: StateMachine.Permit) {
        let now = clock.now()
        if let transition = machine.withLock({ $0.record(outcome, for: permit, now: now) }) {
            onTransition(transition)
        }
    }

    /// Runs one call through the breaker: fails fast when it is open, and records the outcome otherwise.
    public func run<Value>(
        isolation: isolated (any Actor)? = #isolation,
        _ operation: () async throws(TableError) -> Value
    ) async throws(TableError) -> Value {
        let permit = try admit()
        do {
            let value = try await operation()
            record(.success, for: permit)
            return value
        } catch {
            record(Self.outcome(of: error), for: permit)
            throw error
        }
    }
}

extension Duration {
    /// The duration in seconds, as `TableError.retryAfter` carries it.
    var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
