#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one invocation did, for its log line and its metrics. It holds no request or response
/// bodies, tokens or answers: only what is safe to keep in logs.
public struct InvocationRecord: Sendable, Hashable {
    /// The Lambda (or API Gateway) request id.
    public var requestId: String
    /// The function: `session`, `quiz`, `answer`, `progress`, `maintenance`.
    public var function: String
    /// The matched route, e.g. `POST /sessions/{sessionId}/answer`, or `-` when none matched.
    public var route: String
    /// The HTTP status returned.
    public var status: Int
    /// How long the handler took, in milliseconds.
    public var durationMilliseconds: Double
    /// Whether this was the first invocation of the process.
    public var coldStart: Bool
    /// The error code of a failed request.
    public var errorCode: String?

    /// A record.
    public init(
        requestId: String, function: String, route: String, status: Int, durationMilliseconds: Double, coldStart: Bool,
        errorCode: String? = nil
    ) {
        self.requestId = requestId
        self.function = function
        self.route = route
        self.status = status
        self.durationMilliseconds = durationMilliseconds
        self.coldStart = coldStart
        self.errorCode = errorCode
    }
}

/// Writes one structured line per invocation that is also a CloudWatch Embedded Metric Format
/// document, so logs and metrics cost one write
/// ([EMF specification](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html)).
public struct InvocationLogger: Sendable {
    /// The settings in force.
    public let settings: LogSettings
    private let write: @Sendable (String) -> Void
    private let now: @Sendable () -> Int64
    private let traceHeader: @Sendable () -> String?
    private let directive: String
    private let breakerDirective: String

    /// A logger writing lines to `write` (standard output by default), stamped by `now` (epoch
    /// milliseconds). `traceHeader` gives the X-Ray trace header of the invocation being logged
    /// (the bootstrap reads the runtime's task-local value), `nil` for none; it is called on
    /// the invocation's own task, when its line is written.
    public init(
        settings: LogSettings, write: @escaping @Sendable (String) -> Void = InvocationLogger.standardOutput,
        now: @escaping @Sendable () -> Int64 = InvocationLogger.epochMilliseconds,
        traceHeader: @escaping @Sendable () -> String? = { nil }
    ) {
        self.settings = settings
        self.write = write
        self.now = now
        self.traceHeader = traceHeader
        directive = Self.directive(namespace: settings.metricsNamespace)
        breakerDirective = Self.breakerDirective(namespace: settings.metricsNamespace)
    }

    /// Logs an invocation and emits its metrics: `Latency` (ms), `ServerErrors` and `ClientErrors`
    /// (counts) and `ColdStart` (count), by function and route. The line carries the
    /// invocation's trace header as `traceId` when there is one.
    public func record(_ record: InvocationRecord) {
        let timestamp = now()
        let traceId = traceHeader()
        let level: LogLevel = record.status >= 500 ? .error : (record.status >= 400 ? .warn : .info)
        var line = JSONLine()
        line.addRaw("_aws", parts: "{\"Timestamp\":", String(timestamp), ",\"CloudWatchMetrics\":[", directive, "]}")
        line.add("function", record.function)
        line.add("route", record.route)
        line.add("Latency", record.durationMilliseconds)
        line.add("ServerErrors", record.status >= 500 ? 1 : 0)
        line.add("ClientErrors", (400..<500).contains(record.status) ? 1 : 0)
        line.add("ColdStart", record.coldStart ? 1 : 0)
        switch settings.format {
        case .json:
            line.add("timestamp", Self.iso8601(timestamp))
            line.add("level", level.name)
            line.add("requestId", record.requestId)
            line.add("status", record.status)
            line.add("durationMs", record.durationMilliseconds)
            line.add("coldStart", record.coldStart)
            line.add("errorCode", record.errorCode)
            line.add("traceId", traceId)
            // The line is the metrics too, so it is written whatever the level: dropping it
            // would drop the metrics.
            write(line.finished())
        case .text:
            if level >= settings.level {
                var text = "\(Self.iso8601(timestamp)) \(level.name) \(record.requestId) \(record.function) \(record.route) "
                text += "status=\(record.status) durationMs=\(record.durationMilliseconds) coldStart=\(record.coldStart)"
                if let code = record.errorCode { text += " errorCode=\(code)" }
                if let traceId { text += " traceId=\(traceId)" }
                write(text)
            }
            write(line.finished())
        }
    }

    /// Logs a message outside the per-invocation line (start-up, unexpected failures), when its level is enabled.
    public func log(_ level: LogLevel, _ message: String, requestId: String? = nil, function: String? = nil) {
        guard level >= settings.level else { return }
        let timestamp = now()
        switch settings.format {
        case .json:
            var line = JSONLine()
            line.add("timestamp", Self.iso8601(timestamp))
            line.add("level", level.name)
            line.add("requestId", requestId)
            line.add("function", function)
            line.add("message", message)
            write(line.string)
        case .text:
            write("\(Self.iso8601(timestamp)) \(level.name) \(requestId ?? "-") \(message)")
        }
    }

    /// Logs that the circuit breaker in front of the store opened (`open`) or closed again, and
    /// emits the `CircuitBreakerOpen` metric by function: 1 when it opened, 0 when it closed, so
    /// the metric's maximum over a period says whether the breaker opened in it (the alarm of
    /// template.yaml watches it). Written whatever the level, as the metric must not be lost;
    /// `retryAfterSeconds` is how long calls fail fast.
    public func recordCircuitBreaker(open: Bool, function: String, retryAfterSeconds: Double? = nil) {
        let timestamp = now()
        var line = JSONLine()
        line.addRaw("_aws", parts: "{\"Timestamp\":", String(timestamp), ",\"CloudWatchMetrics\":[", breakerDirective, "]}")
        line.add("function", function)
        line.add("CircuitBreakerOpen", open ? 1 : 0)
        line.add("timestamp", Self.iso8601(timestamp))
        line.add("level", open ? LogLevel.warn.name : LogLevel.info.name)
        line.add("message", open ? "circuit breaker opened: store calls fail fast" : "circuit breaker closed: store calls go through again")
        if let retryAfterSeconds { line.add("retryAfterSeconds", retryAfterSeconds) }
        write(line.finished())
    }

    /// The directive of the circuit breaker's lines: `CircuitBreakerOpen` by function.
    private static func breakerDirective(namespace: String) -> String {
        "{\"Namespace\":" + JSONLine.quoted(namespace)
            + ",\"Dimensions\":[[\"function\"]],\"Metrics\":[{\"Name\":\"CircuitBreakerOpen\",\"Unit\":\"Count\"}]}"
    }

    /// The metric directive: the same for every line, so built once.
    private static func directive(namespace: String) -> String {
        var directive = "{\"Namespace\":" + JSONLine.quoted(namespace)
        directive += ",\"Dimensions\":[[\"function\"],[\"function\",\"route\"]],\"Metrics\":["
        directive += "{\"Name\":\"Latency\",\"Unit\":\"Milliseconds\"},{\"Name\":\"ServerErrors\",\"Unit\":\"Count\"},"
        directive += "{\"Name\":\"ClientErrors\",\"Unit\":\"Count\"},{\"Name\":\"ColdStart\",\"Unit\":\"Count\"}]}"
        return directive
    }

    // MARK: - Defaults

    /// Writes a line to standard output in one `write(2)`, so lines of concurrent processes never interleave.
    @Sendable
    public static func standardOutput(_ line: String) {
        writeLine(line, to: 1)
    }

    /// Writes a line to standard error (the local runner keeps standard output for responses).
    @Sendable
    public static func standardError(_ line: String) {
        writeLine(line, to: 2)
    }

    private static func writeLine(_ line: String, to descriptor: Int32) {
        var bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { return }
            offset += written
        }
    }

    /// The wall-clock time in epoch milliseconds.
    @Sendable
    public static func epochMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// An epoch-milliseconds time as ISO 8601 in UTC, e.g. `2026-11-22T02:10:03.120Z`.
    public static func iso8601(_ milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Written digit by digit into one small buffer: a string per field, padded and joined,
        // cost more than the rest of a log line.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func digits(_ value: Int32, _ width: Int) {
            var value = max(0, Int(value))
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            // A value wider than its field keeps all its digits, as the padded text did.
            while value / divisor >= 10 { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / divisor))
                value %= divisor
                divisor /= 10
            }
        }
        digits(parts.tm_year + 1900, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(parts.tm_mon + 1, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(parts.tm_mday, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(parts.tm_hour, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(parts.tm_min, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(parts.tm_sec, 2)
        bytes.append(UInt8(ascii: "."))
        digits(Int32(milliseconds % 1000), 3)
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
