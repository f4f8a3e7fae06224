/// How much to log.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case debug, info, warn, error

    /// Reads `LOG_LEVEL` (or Lambda's own `AWS_LAMBDA_LOG_LEVEL`): `DEBUG`, `INFO`, `WARN`/`WARNING`, `ERROR`, any case.
    public init?(environmentValue: String) {
        switch environmentValue.uppercased() {
        case "DEBUG", "TRACE": self = .debug
        case "INFO": self = .info
        case "WARN", "WARNING": self = .warn
        case "ERROR", "FATAL": self = .error
        default: return nil
        }
    }

    /// The level's name as it appears in log lines.
    public var name: String {
        switch self {
        case .debug: "DEBUG"
        case .info: "INFO"
        case .warn: "WARN"
        case .error: "ERROR"
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The shape of log lines, as Lambda's `AWS_LAMBDA_LOG_FORMAT` says
/// ([advanced logging controls](https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html)).
public enum LogFormat: Sendable {
    /// One JSON object a line (`JSON`).
    case json
    /// Plain text lines (`Text`, Lambda's default).
    case text

    /// Reads `AWS_LAMBDA_LOG_FORMAT`.
    public init?(environmentValue: String) {
        switch environmentValue.uppercased() {
        case "JSON": self = .json
        case "TEXT": self = .text
        default: return nil
        }
    }
}

/// Logging settings, read once from the environment at start.
public struct LogSettings: Sendable {
    /// The least severe level written.
    public var level: LogLevel = .info
    /// The line format.
    public var format: LogFormat = .json
    /// The CloudWatch namespace of the metrics.
    public var metricsNamespace = "AdaptiveQuiz"

    /// The defaults: INFO, JSON, namespace `AdaptiveQuiz`.
    public init() {}

    /// Settings from `LOG_LEVEL` (or `AWS_LAMBDA_LOG_LEVEL`), `AWS_LAMBDA_LOG_FORMAT` and
    /// `POWERTOOLS_METRICS_NAMESPACE`; unknown values keep the defaults.
    public init(environment: [String: String]) {
        if let value = environment["LOG_LEVEL"] ?? environment["AWS_LAMBDA_LOG_LEVEL"], let level = LogLevel(environmentValue: value) {
            self.level = level
        }
        if let value = environment["AWS_LAMBDA_LOG_FORMAT"], let format = LogFormat(environmentValue: value) {
            self.format = format
        }
        if let namespace = environment["POWERTOOLS_METRICS_NAMESPACE"], !namespace.isEmpty {
            metricsNamespace = namespace
        }
    }
}
