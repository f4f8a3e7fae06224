import QuizObservability

/// The product's settings, read once from the environment when a function starts and passed
/// down; handlers never read the environment themselves.
public struct QuizSettings: Sendable {
    /// Where the tables live: `sqlite:PATH` or `dynamodb://REGION[?endpoint=URL&prefix=NAME-]`.
    public var storeURL = "sqlite:.quiz/quiz.db"
    /// Prepended to every table name (`QUIZ_TABLE_PREFIX`, or the store URL's `prefix`).
    public var tablePrefix = ""
    /// How long an idempotency record is kept, in seconds (Powertools' default: one hour; ours: 24 h).
    public var idempotencyTTLSeconds = 86_400
    /// How long an `IN_PROGRESS` idempotency record blocks a repeat, in milliseconds, when the
    /// invocation has no deadline of its own.
    public var idempotencyInProgressMilliseconds: Int64 = 30_000
    /// How long a session may sit without activity before the maintenance function abandons it.
    public var abandonAfterSeconds = 86_400
    /// How long an ended session stays readable before its TTL removes it.
    public var sessionRetentionSeconds = 30 * 86_400
    /// The largest JSON body accepted, in bytes.
    public var maximumBodyBytes = 256 * 1024
    /// The largest question-bank upload accepted, in bytes (Lambda's own payload limit is 6 MB).
    public var maximumImportBytes = 6 * 1024 * 1024
    /// The group whose members may import questions.
    public var authorGroup = "authors"
    /// When set, every request's randomness derives from this seed and the request id, so runs repeat exactly.
    public var randomSeed: UInt64?
    /// How many items one maintenance run removes from each table at most.
    public var maintenanceBatchLimit = 1000
    /// How long one maintenance run sweeps sessions before it stops and leaves its place for
    /// the next, in seconds (`QUIZ_MAINTENANCE_BUDGET_SECONDS`).
    public var maintenanceBudgetSeconds = 20
    /// Whether review intervals of 3 days or more are spread by a few days at random
    /// (`QUIZ_SCHEDULE_FUZZ=1`; docs/memory-model.md, "Fuzz"). Off by default.
    public var scheduleFuzz = false
    /// Whether a request's `X-Quiz-Now` header sets the time it is handled at
    /// (`QUIZ_ALLOW_CLOCK_HEADER=1`; docs/memory-model.md, "Time travel"): for tests and replays,
    /// never for a deployment. Off by default, and the header is then ignored.
    public var allowClockHeader = false
    /// Logging and metrics.
    public var logging = LogSettings()

    /// The defaults.
    public init() {}

    /// Settings from the environment: `QUIZ_STORE_URL`, `QUIZ_TABLE_PREFIX`, `QUIZ_IDEMPOTENCY_TTL_SECONDS`,
    /// `QUIZ_ABANDON_AFTER_SECONDS`, `QUIZ_SESSION_RETENTION_SECONDS`, `QUIZ_MAX_BODY_BYTES`,
    /// `QUIZ_AUTHOR_GROUP`, `QUIZ_RANDOM_SEED`, `QUIZ_MAINTENANCE_BUDGET_SECONDS`, `QUIZ_SCHEDULE_FUZZ`,
    /// `QUIZ_ALLOW_CLOCK_HEADER`, plus the logging
    /// variables of `LogSettings`.
    /// A malformed number is a configuration error: a function must not start on a guess.
    public init(environment: [String: String]) throws(ConfigurationError) {
        if let url = environment["QUIZ_STORE_URL"], !url.isEmpty { storeURL = url }
        if let prefix = environment["QUIZ_TABLE_PREFIX"] { tablePrefix = prefix }
        func number(_ name: String, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            guard let value = Int(text), range.contains(value) else {
                throw ConfigurationError(message: "\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound), not '\(text)'")
            }
            return value
        }
        if let value = try number("QUIZ_IDEMPOTENCY_TTL_SECONDS", 60...(30 * 86_400)) { idempotencyTTLSeconds = value }
        if let value = try number("QUIZ_ABANDON_AFTER_SECONDS", 60...(365 * 86_400)) { abandonAfterSeconds = value }
        if let value = try number("QUIZ_SESSION_RETENTION_SECONDS", 0...(3650 * 86_400)) { sessionRetentionSeconds = value }
        if let value = try number("QUIZ_MAX_BODY_BYTES", 1024...(6 * 1024 * 1024)) { maximumBodyBytes = value }
        if let value = try number("QUIZ_MAINTENANCE_BUDGET_SECONDS", 1...900) { maintenanceBudgetSeconds = value }
        if let group = environment["QUIZ_AUTHOR_GROUP"], !group.isEmpty { authorGroup = group }
        if let text = environment["QUIZ_RANDOM_SEED"], !text.isEmpty {
            guard let seed = UInt64(text) else { throw ConfigurationError(message: "QUIZ_RANDOM_SEED must be an unsigned integer") }
            randomSeed = seed
        }
        func flag(_ name: String) throws(ConfigurationError) -> Bool {
            switch environment[name] {
            case nil, "", "0": return false
            case "1": return true
            case let text?: throw ConfigurationError(message: "\(name) must be 1 or 0, not '\(text)'")
            }
        }
        scheduleFuzz = try flag("QUIZ_SCHEDULE_FUZZ")
        allowClockHeader = try flag("QUIZ_ALLOW_CLOCK_HEADER")
        logging = LogSettings(environment: environment)
    }
}

/// A setting that cannot be used; the function reports it and does not start.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, naming the variable.
    public var message: String

    /// An error.
    public init(message: String) { self.message = message }

    public var description: String { message }
}
