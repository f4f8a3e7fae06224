import Foundation
import QuizObservability
import Synchronization
import Testing

/// Collects the lines a logger writes.
final class LineSink: Sendable {
    private let storage = Mutex<[String]>([])
    var lines: [String] { storage.withLock { $0 } }
    func write(_ line: String) { storage.withLock { $0.append(line) } }
}

func parse(_ line: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
}

@Suite("Invocation log lines and metrics")
struct InvocationLoggerTests {
    static let record = InvocationRecord(
        requestId: "req-1", function: "answer", route: "POST /sessions/{sessionId}/answer", status: 409,
        durationMilliseconds: 1.23456, coldStart: true, errorCode: "STALE_QUESTION")

    func logger(_ environment: [String: String], sink: LineSink) -> InvocationLogger {
        InvocationLogger(settings: LogSettings(environment: environment), write: { sink.write($0) }, now: { 1_795_000_000_123 })
    }

    @Test("JSON format: one line that is both the log and an EMF document")
    func jsonLine() throws {
        let sink = LineSink()
        logger([:], sink: sink).record(Self.record)
        #expect(sink.lines.count == 1)
        let object = try parse(sink.lines[0])
        #expect(object["requestId"] as? String == "req-1")
        #expect(object["level"] as? String == "WARN")
        #expect(object["status"] as? Int == 409)
        #expect(object["errorCode"] as? String == "STALE_QUESTION")
        #expect(object["timestamp"] as? String == "2026-11-18T11:06:40.123Z")
        #expect(object["Latency"] as? Double == 1.235)
        #expect(object["ClientErrors"] as? Int == 1)
        #expect(object["ServerErrors"] as? Int == 0)
        #expect(object["ColdStart"] as? Int == 1)
        let aws = try #require(object["_aws"] as? [String: Any])
        #expect(aws["Timestamp"] as? Int == 1_795_000_000_123)
        let directive = try #require((aws["CloudWatchMetrics"] as? [[String: Any]])?.first)
        #expect(directive["Namespace"] as? String == "AdaptiveQuiz")
        #expect(directive["Dimensions"] as? [[String]] == [["function"], ["function", "route"]])
        let metrics = try #require(directive["Metrics"] as? [[String: String]])
        #expect(metrics.map { $0["Name"]! } == ["Latency", "ServerErrors", "ClientErrors", "ColdStart"])
        // Every metric and dimension the directive names is a member of the root (EMF requires it).
        for name in metrics.map({ $0["Name"]! }) + ["function", "route"] { #expect(object[name] != nil, "\(name)") }
    }

    @Test("Text format writes a text line and a separate EMF line, and honours LOG_LEVEL")
    func textLines() throws {
        let sink = LineSink()
        logger(["AWS_LAMBDA_LOG_FORMAT": "Text", "POWERTOOLS_METRICS_NAMESPACE": "Quiz"], sink: sink).record(Self.record)
        #expect(sink.lines.count == 2)
        #expect(sink.lines[0] == "2026-11-18T11:06:40.123Z WARN req-1 answer POST /sessions/{sessionId}/answer status=409 durationMs=1.23456 coldStart=true errorCode=STALE_QUESTION")
        let emf = try parse(sink.lines[1])
        #expect(((emf["_aws"] as? [String: Any])?["CloudWatchMetrics"] as? [[String: Any]])?.first?["Namespace"] as? String == "Quiz")

        let quiet = LineSink()
        logger(["AWS_LAMBDA_LOG_FORMAT": "text", "LOG_LEVEL": "error"], sink: quiet).record(Self.record)
        #expect(quiet.lines.count == 1, "the WARN text line is dropped, the metrics line is kept")
    }

    @Test("messages below the level are dropped", arguments: [
        ("DEBUG", 4), ("info", 3), ("WARNING", 2), ("ERROR", 1), ("bogus", 3),
    ])
    func levels(level: String, written: Int) {
        let sink = LineSink()
        let logger = logger(["LOG_LEVEL": level], sink: sink)
        for messageLevel in LogLevel.allCases { logger.log(messageLevel, "m") }
        #expect(sink.lines.count == written)
    }

    @Test("the invocation's trace header is in its line, JSON or text, and absent when there is none")
    func traceHeader() throws {
        let trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
        for format in ["JSON", "Text"] {
            let sink = LineSink()
            let current = Mutex<String?>(trace)
            let logger = InvocationLogger(
                settings: LogSettings(environment: ["AWS_LAMBDA_LOG_FORMAT": format]), write: { sink.write($0) }, now: { 1_795_000_000_123 },
                traceHeader: { current.withLock { $0 } })
            logger.record(Self.record)
            current.withLock { $0 = nil }
            logger.record(Self.record)
            if format == "JSON" {
                #expect(try parse(sink.lines[0])["traceId"] as? String == trace)
                #expect(try parse(sink.lines[1])["traceId"] == nil)
            } else {
                #expect(sink.lines[0].hasSuffix(" traceId=\(trace)"))
                #expect(!sink.lines[2].contains("traceId"))
            }
        }
    }

    @Test("an opened circuit breaker is a CircuitBreakerOpen metric of 1 by function, a closed one 0")
    func circuitBreakerMetric() throws {
        let sink = LineSink()
        let logger = logger(["POWERTOOLS_METRICS_NAMESPACE": "AdaptiveQuiz/stack", "LOG_LEVEL": "ERROR"], sink: sink)
        logger.recordCircuitBreaker(open: true, function: "answer", retryAfterSeconds: 5)
        logger.recordCircuitBreaker(open: false, function: "answer")
        // Written whatever LOG_LEVEL says: dropping the line would drop the metric.
        #expect(sink.lines.count == 2)
        let opened = try parse(sink.lines[0])
        #expect(opened["CircuitBreakerOpen"] as? Int == 1)
        #expect(opened["function"] as? String == "answer")
        #expect(opened["level"] as? String == "WARN")
        #expect(opened["retryAfterSeconds"] as? Int == 5)
        let directive = try #require(((opened["_aws"] as? [String: Any])?["CloudWatchMetrics"] as? [[String: Any]])?.first)
        #expect(directive["Namespace"] as? String == "AdaptiveQuiz/stack")
        #expect(directive["Dimensions"] as? [[String]] == [["function"]])
        #expect(directive["Metrics"] as? [[String: String]] == [["Name": "CircuitBreakerOpen", "Unit": "Count"]])
        #expect((opened["_aws"] as? [String: Any])?["Timestamp"] as? Int == 1_795_000_000_123)
        let closed = try parse(sink.lines[1])
        #expect(closed["CircuitBreakerOpen"] as? Int == 0)
        #expect(closed["level"] as? String == "INFO")
    }

    @Test("strings are escaped into valid JSON")
    func escaping() throws {
        let sink = LineSink()
        logger([:], sink: sink).log(.error, "quote \" backslash \\ newline \n tab \t bell \u{7} ünï 😀", requestId: "r")
        let object = try parse(sink.lines[0])
        #expect(object["message"] as? String == "quote \" backslash \\ newline \n tab \t bell \u{7} ünï 😀")
        #expect(!sink.lines[0].contains("\n"))
    }

    @Test("numbers are written as JSON numbers", arguments: [
        (0.0, "0"), (1.5, "1.5"), (-2.25, "-2.25"), (0.0004, "0"), (12.3456, "12.346"), (Double.nan, "0"), (100, "100"),
    ])
    func numbers(value: Double, text: String) {
        var line = JSONLine()
        line.add("v", value)
        #expect(line.string == "{\"v\":\(text)}")
    }
}
