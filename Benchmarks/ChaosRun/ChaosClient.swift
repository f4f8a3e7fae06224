import Foundation
import QuizEngine
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The HTTP side of a chaos learner: requests to `serve` with a learner's token, retried the way
/// a careful client retries — the same request, the same `Idempotency-Key`, bounded attempts,
/// exponential backoff with full jitter, `Retry-After` honoured — on what a retry can fix: no
/// response, a 5xx, a 429, a 409 `REQUEST_IN_PROGRESS`.
struct ChaosClient: Sendable {
    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name }?.value }
    }

    /// Requests and responses counted across every learner of a run.
    final class Tally: Sendable {
        private let state = Mutex<(requests: Int, retries: Int, statuses: [Int: Int])>((0, 0, [:]))

        func record(status: Int?, retry: Bool) {
            state.withLock {
                $0.requests += 1
                if retry { $0.retries += 1 }
                $0.statuses[status ?? -1, default: 0] += 1
            }
        }

        var snapshot: (requests: Int, retries: Int, statuses: [Int: Int]) { state.withLock { $0 } }
    }

    let port: Int
    let token: String
    let attempts: Int
    let tally: Tally

    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        // Longer than any invocation may take (the function timeout): a request is never cut
        // short by the client while the server still works on it.
        configuration.timeoutIntervalForRequest = 120
        configuration.timeoutIntervalForResource = 180
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.httpMaximumConnectionsPerHost = 64
        return URLSession(configuration: configuration)
    }()

    /// Sends the request until it gets an answer a retry cannot change, or runs out of attempts
    /// (then the last answer, still retryable, says so).
    func send(_ method: String, _ path: String, json: Any? = nil, key: String? = nil, random: inout SeededRandomGenerator) async -> Response? {
        var last: Response?
        for attempt in 0..<attempts {
            let response = await once(method, path, json: json, key: key)
            tally.record(status: response?.status, retry: attempt > 0)
            last = response
            guard let response, Self.isRetryable(response) else { return response }
            guard attempt + 1 < attempts else { break }
            // Full jitter over an exponential ceiling, at least what Retry-After asks (capped).
            let ceiling = min(2.0, 0.1 * Double(1 << min(attempt, 5)))
            var wait = Double.random(in: 0...ceiling, using: &random)
            if let retryAfter = response.header("retry-after").flatMap(Double.init) { wait = max(wait, min(retryAfter, 3)) }
            try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
        }
        return last
    }

    /// Whether a retry of the same request may get another answer.
    static func isRetryable(_ response: Response) -> Bool {
        response.status >= 500 || response.status == 429 || response.status == -1
            || (response.status == 409 && response.errorCode == "REQUEST_IN_PROGRESS")
    }

    /// One attempt; a failed exchange is status -1.
    private func once(_ method: String, _ path: String, json: Any?, key: String?) async -> Response? {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { return nil }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let key { request.setValue(key, forHTTPHeaderField: "Idempotency-Key") }
        if let json, let body = try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]) {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        do {
            let (data, response) = try await Self.session.data(for: request)
            guard let http = response as? HTTPURLResponse else { return Response(status: -1, headers: [:], body: Data()) }
            var headers: [String: String] = [:]
            for (name, value) in http.allHeaderFields {
                if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
            }
            return Response(status: http.statusCode, headers: headers, body: data)
        } catch {
            return Response(status: -1, headers: [:], body: Data())
        }
    }
}
