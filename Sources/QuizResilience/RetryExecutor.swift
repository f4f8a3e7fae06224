public import QuizStore
import Synchronization

/// Runs calls to a backend with retries, a shared retry budget and, optionally, a circuit breaker:
/// the one entry point every wrapper uses, table calls or not.
///
/// Each attempt goes through these steps:
/// 1. The circuit breaker, when there is one, admits the attempt or throws `unavailable` at once.
///    An open breaker is never retried into; the caller gets its `retryAfter`.
/// 2. The operation runs, and the breaker records how it went.
/// 3. On success, the budget is paid back (``RetryBudget/deposit(afterSuccessWithLastRetryCost:)``)
///    and the value returned.
/// 4. On an error, the call ends with that error unless all of these hold: the policy deems it
///    retryable, attempts are left, the task is not cancelled, and the budget pays for the retry.
///    Then it sleeps the jittered backoff and goes back to step 1.
///
/// The budget is shared by every call through one executor, so make one per backend and keep it
/// for the life of the process; it is a class for that reason.
public final class RetryExecutor: Sendable {
    /// How many attempts and how long between them.
    public let policy: RetryPolicy
    /// The breaker consulted before every attempt, if any.
    public let circuitBreaker: CircuitBreaker?
    private let budget: Mutex<RetryBudget>
    private let clock: any ResilienceClock
    private let random: any ResilienceRandomSource

    /// An executor with a full retry budget.
    /// - Parameters:
    ///   - policy: How many attempts and how long between them.
    ///   - budget: The token bucket that caps retries across all calls.
    ///   - circuitBreaker: The breaker consulted before every attempt; `nil` for none.
    ///   - clock: What the backoff sleeps on.
    ///   - random: The draws behind the jitter.
    public init(
        policy: RetryPolicy = RetryPolicy(), budget: RetryBudget.Configuration = RetryBudget.Configuration(),
        circuitBreaker: CircuitBreaker? = nil, clock: any ResilienceClock = SystemResilienceClock(),
        random: any ResilienceRandomSource = SystemResilienceRandomSource()
    ) {
        self.policy = policy
        self.circuitBreaker = circuitBreaker
        self.budget = Mutex(RetryBudget(configuration: budget))
        self.clock = clock
        self.random = random
    }

    /// Tokens left in the retry budget.
    public var availableRetryTokens: Int {
        budget.withLock { $0.availableTokens }
    }

    /// Runs `operation` until it succeeds or may not be tried again, and returns its value or
    /// throws the error of its last attempt (or `unavailable` from an open breaker).
    ///
    /// The operation runs in the caller's isolation, so it may capture non-`Sendable` state.
    /// Retry only operations that are safe to repeat: an attempt that timed out may have been
    /// applied, so a retried write should carry a condition that makes a second application
    /// harmless, or that turns it into a `conditionFailed` the caller can check.
    public func run<Value>(
        isolation: isolated (any Actor)? = #isolation,
        _ operation: () async throws(TableError) -> Value
    ) async throws(TableError) -> Value {
        var attempt = 0
        // What the latest retry paid, refunded when the call succeeds, as in the SDKs' standard mode.
        var lastRetryCost: Int?
        while true {
            let permit = try circuitBreaker?.admit()
            let failure: TableError
            do {
                let value = try await operation()
                if let permit { circuitBreaker?.record(.success, for: permit) }
                budget.withLock { $0.deposit(afterSuccessWithLastRetryCost: lastRetryCost) }
                return value
            } catch {
                failure = error
            }
            if let permit { circuitBreaker?.record(CircuitBreaker.outcome(of: failure), for: permit) }

            guard policy.isRetryable(failure), policy.allowsAttempt(after: attempt), !Task.isCancelled,
                let cost = budget.withLock({ $0.withdraw(forRetryAfter: failure) })
            else { throw failure }
            lastRetryCost = cost

            do {
                try await clock.sleep(for: policy.backoff(afterAttempt: attempt, using: random))
            } catch {
                // Cancelled while waiting: the caller no longer wants an answer, and the error
                // of the attempt that failed says more than a `CancellationError` would.
                throw failure
            }
            attempt += 1
        }
    }
}
