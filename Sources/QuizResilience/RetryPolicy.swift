public import QuizStore

/// How often and how patiently a failed call is tried again: capped exponential backoff with
/// "full jitter", and which errors are worth another attempt at all.
///
/// The wait before retry number `n + 1` (after the failure of attempt `n`, counting the first
/// attempt as 0) is
///
///     sleep = random(0, min(cap, base * 2^n))
///
/// the "full jitter" of
/// [Exponential Backoff and Jitter](https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/),
/// which the AWS SDKs' standard retry mode also uses
/// ([retry behavior](https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html)).
/// Drawing the whole wait at random, rather than adding a little noise to a fixed one, spreads
/// clients that failed together across the window so they do not come back in lockstep.
public struct RetryPolicy: Sendable, Hashable {
    /// The ceiling of the first wait; each later ceiling doubles it. Default 25 ms, the base
    /// delay the AWS SDKs use for DynamoDB.
    public var base: Duration
    /// The most any one wait may be, however many attempts came before. Default 1 s: a Lambda
    /// handler has seconds, not the SDKs' 20 s, to spend on one request.
    public var cap: Duration
    /// Attempts in all, the first one included; 1 disables retries. Default 3, as in the AWS
    /// SDKs' standard mode. Values below 1 are treated as 1.
    public var maximumAttempts: Int

    /// A policy; every field has a default.
    public init(base: Duration = .milliseconds(25), cap: Duration = .seconds(1), maximumAttempts: Int = 3) {
        self.base = base
        self.cap = cap
        self.maximumAttempts = maximumAttempts
    }

    /// A policy that makes one attempt and never retries.
    public static let never = RetryPolicy(maximumAttempts: 1)

    // MARK: - Classification

    /// Whether an error is worth another attempt: exactly `TableError.isRetryable`, that is busy
    /// or locked, throttled, a backend failure (5xx, I/O), a timeout, a connection failure, or a
    /// transaction cancelled only by conflicts or throttling.
    ///
    /// Never a failed condition, a validation error or an oversized item (the same request gets
    /// the same answer), and never `unavailable`: an open circuit breaker says to back off, and
    /// retrying into it would only spend the retry budget.
    public func isRetryable(_ error: TableError) -> Bool {
        error.isRetryable
    }

    /// Whether attempt `attempt` (0 for the first) may be followed by another one.
    public func allowsAttempt(after attempt: Int) -> Bool {
        attempt + 1 < max(1, maximumAttempts)
    }

    // MARK: - Backoff

    /// The upper bound of the wait after attempt `attempt` fails: `min(cap, base * 2^attempt)`.
    public func backoffCeiling(afterAttempt attempt: Int) -> Duration {
        let cap = max(.zero, cap)
        var ceiling = min(max(.zero, base), cap)
        // Doubling step by step, stopping at the cap, cannot overflow however large `attempt` is,
        // where `base * (1 << attempt)` would trap from attempt 63 on.
        var doublings = max(0, attempt)
        while doublings > 0, ceiling > .zero, ceiling < cap {
            ceiling = min(ceiling * 2, cap)
            doublings -= 1
        }
        return ceiling
    }

    /// The wait after attempt `attempt` fails, for a random draw `fraction` from `0...1`:
    /// `fraction * min(cap, base * 2^attempt)`. A draw outside `0...1` is clamped into it.
    public func backoff(afterAttempt attempt: Int, fraction: Double) -> Duration {
        let fraction = fraction.isNaN ? 0 : min(1, max(0, fraction))
        return backoffCeiling(afterAttempt: attempt) * fraction
    }

    /// The wait after attempt `attempt` fails, drawn from `random`.
    public func backoff(afterAttempt attempt: Int, using random: some ResilienceRandomSource) -> Duration {
        backoff(afterAttempt: attempt, fraction: random.unitFraction())
    }
}
