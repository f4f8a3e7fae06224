import CurlHTTP
import Foundation
import Glibc
import Synchronization

/// A fault-injecting HTTP proxy (Scripts/fault_proxy.py) between the DynamoDB backend and a
/// ``MotoServer``: the tests point the backend at ``endpoint`` and tell the proxy which requests
/// to fail and how — throttling, 500/503, slow answers, dropped connections before or after the
/// server acted, stalls past the client's timeout, unprocessed batch entries; every time, or with
/// a seeded probability — then read back which requests reached it, with their headers.
///
/// Like ``MotoServer``, the proxy watches its standard input and exits when the test process
/// that holds the other end of the pipe ends.
public final class FaultProxy: @unchecked Sendable {
    // @unchecked: every stored property is set once in init; `stopped` guards the only mutation.

    /// What the proxy does to a request a rule takes.
    public enum Fault: String, Sendable {
        /// 400 `ProvisionedThroughputExceededException`.
        case throttle
        /// 400 `ThrottlingException`.
        case throttling
        /// 500 `InternalServerError`.
        case internalError = "500"
        /// 503 `ServiceUnavailable`.
        case unavailable = "503"
        /// Waits the rule's delay, then forwards.
        case slow
        /// Reads the request and resets the connection without answering.
        case drop
        /// Forwards the request (the server acts on it), then resets the connection without
        /// answering: a write that happened, whose caller cannot know it.
        case dropAfterForwarding = "drop-after"
        /// Forwards the request, then waits the rule's delay before answering: past a shorter
        /// client timeout, a write that happened, whose caller gave up on it.
        case stallAfterForwarding = "stall-after"
        /// Forwards half of a batch's entries and returns the rest as unprocessed.
        case unprocessed
    }

    /// A request as the proxy saw it.
    public struct LoggedRequest: Sendable {
        /// When it arrived, in seconds on the proxy's monotonic clock.
        public var at: Double
        /// The DynamoDB operation, e.g. `GetItem`.
        public var target: String
        /// The fault it got, `nil` when it was forwarded untouched.
        public var fault: Fault?
        /// For `TransactWriteItems`, the `ClientRequestToken` it carried.
        public var clientRequestToken: String?
        /// The request's headers as they arrived (names as sent).
        public var headers: [String: String]

        /// The value of a header, its name compared without regard to case.
        public func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    /// The port on 127.0.0.1.
    public let port: Int
    private let child: PortReportingProcess
    private let control: Mutex<CurlHTTPClient>
    private let stopped = Mutex(false)

    /// Starts a proxy in front of `upstream` and waits until it listens.
    public init(upstream: MotoServer) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts/fault_proxy.py").path
        child = try PortReportingProcess(
            executable: MotoServer.python, arguments: [script, String(upstream.port)], discardErrors: true, name: "fault proxy")
        port = child.port
        control = Mutex(try CurlHTTPClient(configuration: .init(connectTimeout: .seconds(5), requestTimeout: .seconds(30))))
    }

    deinit { stop() }

    /// Kills the proxy and waits for it.
    public func stop() {
        guard stopped.withLock({ stopped in
            defer { stopped = true }
            return !stopped
        }) else { return }
        child.stop()
    }

    /// The URL the backend under test sends its requests to.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Fails the next `count` requests (to `target` only, when given) with `fault`; `count` -1
    /// fails every one until ``reset()``. With a `probability` below 1 the rule takes a matching
    /// request only with that chance (drawn from the generator ``seed(_:)`` sets), and one it
    /// passes over goes on to the next rule. Rules apply in the order they were added.
    public func inject(_ fault: Fault, count: Int = 1, target: String? = nil, delay: Duration? = nil, probability: Double? = nil) throws {
        var rule: [String: Any] = ["fault": fault.rawValue, "count": count]
        if let target { rule["target"] = target }
        if let delay { rule["delay"] = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18 }
        if let probability { rule["probability"] = probability }
        _ = try send(.post, "/__faults/rules", ["rules": [rule]])
    }

    /// Seeds the draws of rules with a probability, so a run can be repeated.
    public func seed(_ seed: UInt64) throws {
        _ = try send(.post, "/__faults/seed", ["seed": seed])
    }

    /// Drops every rule and forgets the requests seen so far.
    public func reset() throws {
        _ = try send(.post, "/__faults/reset", [:])
    }

    /// Every request since the last reset, in the order they arrived.
    public func requests() throws -> [LoggedRequest] {
        let object = try send(.get, "/__faults/log", nil)
        let entries = object["requests"] as? [[String: Any]] ?? []
        return entries.map { entry in
            LoggedRequest(
                at: entry["at"] as? Double ?? 0, target: entry["target"] as? String ?? "",
                fault: (entry["fault"] as? String).flatMap(Fault.init(rawValue:)),
                clientRequestToken: entry["clientRequestToken"] as? String, headers: entry["headers"] as? [String: String] ?? [:])
        }
    }

    /// The `X-Amzn-Trace-Id` of every DynamoDB request since the last reset, in the order they
    /// arrived, with its operation; `nil` for a request that carried none. Read from the one
    /// request log (``requests()``).
    public func traceHeaders() throws -> [(target: String, traceID: String?)] {
        try requests().map { (target: $0.target, traceID: $0.header("X-Amzn-Trace-Id")) }
    }

    private func send(_ method: CurlHTTP.HTTPMethod, _ path: String, _ body: [String: Any]?) throws -> [String: Any] {
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        let request = HTTPRequest(
            method: method, url: endpoint + path, headers: [("Content-Type", "application/json")], body: Array(data))
        let response = try control.withLock { client in try client.send(request) }
        guard response.status == 200 else {
            throw MotoServer.Failure(description: "fault proxy answered \(response.status) to \(method) \(path)")
        }
        return (try JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }
}
