extension CircuitBreaker {
    /// The breaker's rules as a pure value: no clock, no lock, no I/O. Each `mutating` method takes
    /// the current time and returns what the owner must do, so every transition can be driven and
    /// checked exactly in a test (the pattern of async-http-client's `Transaction.StateMachine`).
    ///
    /// - **Closed**: every call goes through and its outcome enters a count-based window of the
    ///   last `windowSize` calls. Once the window holds `minimumCalls` outcomes and the share of
    ///   failures reaches `failureRateThreshold`, the breaker opens.
    /// - **Open**: every call fails fast, for `openDuration`.
    /// - **Half-open**: entered by the first call after the wait (there is no timer). Up to
    ///   `permittedProbes` calls go through, the rest fail fast. When all of them succeed the
    ///   breaker closes with an empty window; the first that fails opens it again for a full wait.
    ///
    /// This follows the states of Resilience4j's breaker
    /// ([CircuitBreaker](https://resilience4j.readme.io/docs/circuitbreaker)), with its count-based
    /// window, and the pattern as Michael Nygard describes it in *Release It!*.
    public struct StateMachine: Sendable {
        /// Where the breaker stands.
        public enum State: Sendable, Hashable {
            /// Calls go through and are counted.
            case closed
            /// Calls fail fast until the monotonic time `until`. The breaker stays in this state
            /// after `until` has passed, until the next admission moves it to half-open.
            case open(until: Duration)
            /// A few probe calls go through to test the backend.
            case halfOpen
        }

        /// A ticket for one admitted call, to hand back with its outcome.
        public struct Permit: Sendable, Hashable {
            /// The breaker's generation when the call was admitted; bumped on every transition,
            /// so an outcome that arrives after the state it was admitted in has gone is ignored.
            let generation: UInt64
            /// Whether the call is one of the probes of a half-open breaker.
            public let isProbe: Bool
        }

        /// What the owner must do with a call.
        public enum Admission: Sendable, Hashable {
            /// Make the call, then report its outcome with `record(_:for:now:)`.
            case proceed(Permit)
            /// Fail at once without calling the backend. `retryAfter` is the time left until the
            /// breaker half-opens, or `nil` when it is half-open and all its probes are taken.
            case failFast(retryAfter: Duration?)
        }

        /// How one call went, as far as the breaker is concerned.
        public enum Outcome: Sendable, Hashable {
            /// The backend answered, even if the answer was a refusal.
            case success
            /// The backend is in trouble.
            case failure
        }

        /// A change of state caused by an outcome, for the owner to report.
        public enum Transition: Sendable, Hashable {
            /// The breaker opened (it tripped, or a probe failed) and fails fast until the monotonic time `until`.
            case opened(until: Duration)
            /// Every probe succeeded: the breaker closed with an empty window.
            case closed
        }

        /// The thresholds and durations.
        public let configuration: Configuration
        /// Where the breaker stands.
        public private(set) var state: State = .closed
        /// Outcomes of the calls admitted while closed, since the breaker last closed.
        private var window: OutcomeWindow
        /// Probes admitted and probes that succeeded in the current half-open state.
        private var probesAdmitted = 0
        private var probesSucceeded = 0
        private var generation: UInt64 = 0

        /// A closed breaker with an empty window.
        public init(configuration: Configuration = Configuration()) {
            self.configuration = configuration
            self.window = OutcomeWindow(capacity: configuration.windowSize)
        }

        /// The share of failures among the calls in the window, from 0 to 1.
        public var failureRate: Double { window.failureRate }

        /// How many calls the window holds.
        public var callsInWindow: Int { window.count }

        // MARK: - Transitions

        /// Decides whether a call may go to the backend at `now`.
        public mutating func admit(now: Duration) -> Admission {
            switch state {
            case .closed:
                return .proceed(Permit(generation: generation, isProbe: false))
            case .open(let until) where now < until:
                return .failFast(retryAfter: until - now)
            case .open:
                moveTo(.halfOpen)
                return admitProbe()
            case .halfOpen:
                return admitProbe()
            }
        }

        /// Takes in the outcome of a call admitted with `permit`, and says whether the breaker
        /// changed state. Outcomes of calls admitted before the last transition change nothing.
        public mutating func record(_ outcome: Outcome, for permit: Permit, now: Duration) -> Transition? {
            guard permit.generation == generation else { return nil }
            switch (state, outcome) {
            case (.closed, _):
                window.append(failure: outcome == .failure)
                // `failures > 0` keeps a threshold of 0 meaning "any failure trips", not "always trips".
                guard window.count >= configuration.effectiveMinimumCalls, window.failures > 0,
                    window.failureRate >= configuration.failureRateThreshold
                else { return nil }
                return open(now: now)
            case (.halfOpen, .success):
                probesSucceeded += 1
                guard probesSucceeded >= configuration.effectivePermittedProbes else { return nil }
                moveTo(.closed)
                window = OutcomeWindow(capacity: configuration.windowSize)
                return .closed
            case (.halfOpen, .failure):
                return open(now: now)
            case (.open, _):
                // Unreachable in practice: no permit is issued while open, and entering the open
                // state bumps the generation, so every earlier permit is stale.
                return nil
            }
        }

        // MARK: - Helpers

        private mutating func admitProbe() -> Admission {
            guard probesAdmitted < configuration.effectivePermittedProbes else { return .failFast(retryAfter: nil) }
            probesAdmitted += 1
            return .proceed(Permit(generation: generation, isProbe: true))
        }

        private mutating func open(now: Duration) -> Transition {
            let until = now + max(.zero, configuration.openDuration)
            moveTo(.open(until: until))
            return .opened(until: until)
        }

        private mutating func moveTo(_ newState: State) {
            state = newState
            generation &+= 1
            probesAdmitted = 0
            probesSucceeded = 0
        }
    }
}

// MARK: - Window

/// The outcomes of the last `capacity` calls, oldest overwritten first: the count-based sliding
/// window over which the circuit breaker measures its failure rate.
///
/// A count-based window, rather than a time-based one, is the Resilience4j default
/// ([CircuitBreaker](https://resilience4j.readme.io/docs/circuitbreaker)) and suits a Lambda
/// function best: a sandbox may sit frozen for minutes between invocations, and a time window
/// would forget the failures just before the freeze, while the last N calls are always the
/// freshest evidence there is. Appending and reading the rate are O(1); memory is one flag per call.
struct OutcomeWindow: Sendable, Hashable {
    /// The most outcomes kept; at least 1.
    let capacity: Int
    /// `true` for a failure. Grows to `capacity`, then works as a ring.
    private var isFailure: [Bool] = []
    /// Where the next outcome goes once the ring is full: the slot of the oldest one.
    private var oldest = 0
    /// Failures among the outcomes kept, maintained on every append so the rate costs nothing.
    private(set) var failures = 0

    /// An empty window of `capacity` outcomes (at least 1).
    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// How many outcomes the window holds, at most `capacity`.
    var count: Int { isFailure.count }

    /// Failures over outcomes kept, from 0 to 1; 0 for an empty window.
    var failureRate: Double {
        count == 0 ? 0 : Double(failures) / Double(count)
    }

    /// Adds the newest outcome, dropping the oldest when the window is full.
    mutating func append(failure: Bool) {
        if isFailure.count < capacity {
            isFailure.append(failure)
        } else {
            if isFailure[oldest] { failures -= 1 }
            isFailure[oldest] = failure
            oldest = (oldest + 1) % capacity
        }
        if failure { failures += 1 }
    }
}
