import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An HTTP client of one `local-runner serve`, over real loopback connections.
public struct ServeClient: Sendable {
    /// One response, with what the tests look at.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data

        public var text: String { String(decoding: body, as: UTF8.self) }
        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
        /// `error.code` of a structured error.
        public var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        /// `error.requestId` of a structured error.
        public var errorRequestID: String? { (json["error"] as? [String: Any])?["requestId"] as? String }
        /// The pid of the worker that answered (`x-quiz-worker`).
        public var workerPID: pid_t? { header("x-quiz-worker").flatMap { pid_t($0) } }

        /// A header, by name in any case.
        public func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    public let port: Int

    /// A client of the runner on `port` of 127.0.0.1.
    public init(port: Int) {
        self.port = port
    }

    /// A session per client: no cookies, no cache, and limits that only guard against a hang.
    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 180
        configuration.timeoutIntervalForResource = 300
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        return URLSession(configuration: configuration)
    }()

    /// Sends a request; `json` becomes the body with `content-type: application/json`.
    public func send(
        _ method: String, _ path: String, token: String? = nil, json: Any? = nil, body: Data? = nil, headers: [String: String] = [:]
    ) async throws -> Response {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let body {
            request.httpBody = body
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await Self.session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { fields[name] = value }
        }
        return Response(status: http.statusCode, headers: fields, body: data)
    }
}
