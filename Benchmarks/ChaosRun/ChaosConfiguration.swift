import QuizTestSupport

/// One chaos run: learners answering through `local-runner serve` while a share of the store
/// calls fail (docs/idempotency.md, "The chaos run").
public struct ChaosConfiguration: Sendable {
    /// The backend, which says where the faults are injected: on SQLite every worker is the chaos
    /// bootstrap, whose store fails calls itself; on DynamoDB moto sits behind the fault proxy,
    /// which fails requests on the wire, and the workers are the product's bootstraps.
    public var backend: StoreBackend

    /// The backend and where its faults come from, for the report.
    public var backendDescription: String {
        backend == .sqlite ? "SQLite (fault-injecting store)" : "DynamoDB (moto behind the fault proxy)"
    }
    /// Learners answering at once, each in a session of its own.
    public var learners = 20
    /// Answers each learner sets out to give (its session has as many questions).
    public var answersPerLearner = 6
    /// The share of store calls that fail, spread evenly over drop-after-commit, drop-before,
    /// 500, throttling and a stall past the client's timeout.
    public var faultRate = 0.10
    /// The seed of the faults' and the learners' draws.
    public var seed: UInt64 = 20_260_512
    /// Worker processes per function.
    public var workers = 3
    /// The function timeout (`serve --timeout`), in seconds: an idempotency claim lasts this long at most.
    public var timeoutSeconds = 15
    /// How often a client sends one request at most (the first time and its retries).
    public var clientAttempts = 10
    /// The DynamoDB client's request timeout, which a stall outlasts.
    public var storeTimeout: Duration = .milliseconds(1000)
    /// How long a stall holds the reply (SQLite: how long the faulted call waits before its timeout).
    public var stall: Duration = .milliseconds(1500)
    /// The share of answers a learner gets wrong on purpose (the retry and pool paths).
    public var wrongShare = 0.3

    /// A run on `backend` with the defaults.
    public init(backend: StoreBackend) {
        self.backend = backend
    }

    /// The faults a failing call gets, in the fault proxy's terms and the store wrapper's.
    static let proxyFaults = ["drop-after", "drop", "500", "throttling", "stall-after"]
    static let storeFaults = ["drop-after", "drop-before", "500", "throttled", "stall-after"]
}
