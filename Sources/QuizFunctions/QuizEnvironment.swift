import QuizData
import QuizEngine
import QuizObservability
import QuizStore

#if canImport(Glibc)
import Glibc
#endif

/// What every function shares, built once per process at start: the store, the tables, the
/// settings, the clock and the logger. Nothing in it changes between invocations.
public struct QuizEnvironment: Sendable {
    /// The table store, already wrapped in retries and a circuit breaker.
    public var store: any TableStore
    /// The tables' names.
    public var tables: QuizTables
    /// The settings.
    public var settings: QuizSettings
    /// One log line and metrics per invocation.
    public var logger: InvocationLogger
    /// The wall clock in epoch milliseconds (injected, so tests can move time).
    public var now: @Sendable () -> Int64

    /// An environment.
    public init(
        store: any TableStore, settings: QuizSettings, logger: InvocationLogger? = nil,
        now: @escaping @Sendable () -> Int64 = InvocationLogger.epochMilliseconds
    ) {
        self.store = store
        self.settings = settings
        self.tables = QuizTables(prefix: settings.tablePrefix)
        self.logger = logger ?? InvocationLogger(settings: settings.logging)
        self.now = now
    }
}

extension LearnerData {
    /// The learners' data of an environment.
    init(_ environment: QuizEnvironment) {
        self.init(store: environment.store, tables: environment.tables, sessionRetentionSeconds: environment.settings.sessionRetentionSeconds)
    }
}

extension QuestionBank {
    /// The question banks of an environment.
    init(_ environment: QuizEnvironment) {
        self.init(store: environment.store, table: environment.tables.questions)
    }
}

/// What the runtime knows about one invocation.
public struct InvocationContext: Sendable {
    /// The invocation's request id (Lambda's `Lambda-Runtime-Aws-Request-Id`).
    public var requestId: String
    /// When the invocation must be done, in epoch milliseconds, if the runtime says.
    public var deadline: Int64?

    /// A context.
    public init(requestId: String, deadline: Int64? = nil) {
        self.requestId = requestId
        self.deadline = deadline
    }
}

/// One request's own values: the time it is handled at, its randomness and who is calling.
package struct RequestScope {
    let requestId: String
    /// The time the request is handled at: the clock's, or `X-Quiz-Now`'s when allowed.
    var now: Int64
    var deadline: Int64?
    var random: SeededRandomGenerator

    init(requestId: String, now: Int64, deadline: Int64?, seed: UInt64?) {
        self.requestId = requestId
        self.now = now
        self.deadline = deadline
        // A configured seed makes every request's draws repeatable (tests, replays); otherwise
        // each request starts from fresh system randomness.
        random = seed.map { SeededRandomGenerator(seedText: "\($0):\(requestId)") }
            ?? SeededRandomGenerator(seed: UInt64.random(in: .min ... .max))
    }

    /// A new random identifier: 128 bits, lowercase hex. Always from the system generator, even
    /// with a seed, so ids stay unguessable.
    static func newIdentifier() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(generator.next() as UInt64, radix: 16).leftPadded(to: 16) }.joined()
    }
}
