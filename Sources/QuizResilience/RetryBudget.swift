public import QuizStore

/// The retry quota shared by every call through one executor: a token bucket, as in the AWS SDKs'
/// standard retry mode
/// ([retry behavior](https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html)).
///
/// Backoff alone keeps each caller polite, but during an outage every caller still multiplies
/// its load by the number of attempts. The budget caps that: each retry must pay tokens, each
/// success earns some back, and when the bucket cannot pay the caller gets the error at once.
/// While most calls succeed the bucket stays full and retries are free; once failures dominate
/// it drains within a hundred retries and the client settles at about one attempt per call.
///
/// A pure value with no clock and no lock: ``RetryExecutor`` keeps one behind a mutex.
public struct RetryBudget: Sendable, Hashable {
    /// The bucket's sizes and prices, with the AWS SDKs' standard-mode defaults.
    public struct Configuration: Sendable, Hashable {
        /// Tokens in a new bucket and the most it ever holds. Default 500.
        public var capacity: Int
        /// What one retry costs. Default 5.
        public var retryCost: Int
        /// What a retry after a timeout costs. Default 10: a timeout holds a connection and a
        /// thread for the whole wait, and a backend that times out is usually overloaded, so
        /// such retries drain the budget twice as fast.
        public var timeoutRetryCost: Int
        /// What a call that succeeds on its first attempt puts back. Default 1.
        public var successReward: Int

        /// A configuration; every field has a default.
        public init(capacity: Int = 500, retryCost: Int = 5, timeoutRetryCost: Int = 10, successReward: Int = 1) {
            self.capacity = capacity
            self.retryCost = retryCost
            self.timeoutRetryCost = timeoutRetryCost
            self.successReward = successReward
        }

        /// A budget that never runs out; retries are then bounded only by the retry policy.
        public static let unlimited = Configuration(capacity: .max, retryCost: 0, timeoutRetryCost: 0, successReward: 0)
    }

    /// The sizes and prices.
    public let configuration: Configuration
    /// Tokens left, between 0 and `configuration.capacity`.
    public private(set) var availableTokens: Int

    /// A full bucket, as the SDKs start with.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.availableTokens = max(0, configuration.capacity)
    }

    // MARK: - Transitions

    /// What a retry after `error` costs: `timeoutRetryCost` for a timeout, `retryCost` otherwise.
    public func cost(ofRetryAfter error: TableError) -> Int {
        max(0, error.code == .timeout ? configuration.timeoutRetryCost : configuration.retryCost)
    }

    /// Takes the price of a retry after `error` and returns it, or returns `nil` and takes
    /// nothing when the bucket holds too little; the caller then gives up with `error`.
    public mutating func withdraw(forRetryAfter error: TableError) -> Int? {
        let cost = cost(ofRetryAfter: error)
        guard availableTokens >= cost else { return nil }
        availableTokens -= cost
        return cost
    }

    /// Records a successful call. `lastRetryCost` is what its last retry paid, or `nil` when it
    /// succeeded on the first attempt.
    ///
    /// As in the SDKs, a success after a retry gives back what that retry paid, so a transient
    /// blip costs nothing in the end, and a first-try success adds `successReward`: the trickle
    /// that refills a bucket drained by an outage once the backend is healthy again. Failures
    /// give nothing back, so the tokens of retries that failed stay spent.
    public mutating func deposit(afterSuccessWithLastRetryCost lastRetryCost: Int?) {
        let refund = lastRetryCost ?? configuration.successReward
        // Adding no more than the room left keeps the bucket within its capacity and cannot
        // overflow, even for `.unlimited`, whose capacity is `Int.max`.
        let room = max(0, configuration.capacity) - availableTokens
        availableTokens += min(max(0, refund), room)
    }
}
