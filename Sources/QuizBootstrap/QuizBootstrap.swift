import CurlHTTP
import QuizFunctions
import QuizObservability
import QuizResilience
import QuizStore
import QuizStoreDynamoDB
import QuizStoreSQLite

/// The composition root: turns the process environment into a ready `QuizEnvironment`, once,
/// at start. Bootstraps and the local runner share it, so both run exactly the same wiring.
public enum QuizBootstrap {
    /// The settings, the store named by `QUIZ_STORE_URL` (wrapped in retries with jitter and a
    /// circuit breaker) and the logger. Throws when the configuration is wrong or the store cannot
    /// be opened: a function must fail its initialisation rather than answer requests it cannot serve.
    ///
    /// Log lines go to `logWriter`: standard output in Lambda (CloudWatch reads it), standard
    /// error under `local-runner invoke`, whose standard output is the response. Each
    /// invocation's line carries the X-Ray trace header the runtime bound for it
    /// (`TraceHeader.current`), and each time the store's circuit breaker opens or closes a
    /// line with the `CircuitBreakerOpen` metric is written for `function` (`local` when none
    /// is named), which the stack's alarm watches. `wrap` puts something between the backend
    /// and the resilience layer (the tests' fault injection); the product's bootstraps pass nothing.
    public static func environment(
        from variables: [String: String], function: FunctionName? = nil,
        logWriter: @escaping @Sendable (String) -> Void = InvocationLogger.standardOutput,
        wrappingStore wrap: (any TableStore) throws -> any TableStore = { $0 }
    ) async throws -> QuizEnvironment {
        let settings = try QuizSettings(environment: variables)
        let logger = InvocationLogger(settings: settings.logging, write: logWriter, traceHeader: { TraceHeader.current })
        let store = try wrap(try await openStore(url: settings.storeURL, environment: variables))
        let breaker = CircuitBreaker.Configuration()
        let functionName = function?.rawValue ?? "local"
        let resilient = ResilientTableStore(wrapping: store, circuitBreaker: breaker) { transition in
            switch transition {
            case .opened:
                let seconds = breaker.openDuration.components
                logger.recordCircuitBreaker(
                    open: true, function: functionName, retryAfterSeconds: Double(seconds.seconds) + Double(seconds.attoseconds) / 1e18)
            case .closed:
                logger.recordCircuitBreaker(open: false, function: functionName)
            }
        }
        return QuizEnvironment(store: resilient, settings: settings, logger: logger)
    }

    /// The backend a store URL names: `sqlite:PATH`, or `dynamodb://REGION[?endpoint=URL&prefix=NAME-]`
    /// with credentials from the standard `AWS_*` variables in `environment`.
    public static func openStore(url: String, environment: [String: String] = [:]) async throws -> any TableStore {
        if url.hasPrefix("sqlite:") {
            return try SQLiteTableStore(url: url)
        }
        if url.hasPrefix("dynamodb://") {
            return try DynamoDBTableStore(url: url, environment: environment)
        }
        throw ConfigurationError(
            message: "QUIZ_STORE_URL must be sqlite:PATH or dynamodb://REGION[?endpoint=URL&prefix=NAME-], not '\(url)'")
    }
}
