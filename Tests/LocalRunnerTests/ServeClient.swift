import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An HTTP client of one `local-runner serve`, over real loopback connections.
struct ServeClient: Sendable {
    /// One response, with what the tests look at.
    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data

        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
        /// `error.code` of a structured error.
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        /// `error.requestId` of a structured error.
        var errorRequestID: String? { (json["error"] as? [String: Any])?["requestId"] as? String }
        /// The pid of the worker that answered (`x-quiz-worker`).
        var workerPID: pid_t? { header("x-quiz-worker").flatMap { pid_t($0) } }

        /// A header, by name in any case.
        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    let port: Int

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
    func send(
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
        let http = try #require(response as? HTTPURLResponse)
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { fields[name] = value }
        }
        return Response(status: http.statusCode, headers: fields, body: data)
    }
}

// MARK: - The quiz, over HTTP

extension ServeClient {
    /// Imports `sampleBank(count)` as bank `bankId`; 201.
    func importBank(_ bankId: String, questions count: Int, token: String) async throws {
        let imported = try await send("POST", "/banks/\(bankId)/questions", token: token, json: sampleBank(count))
        #expect(imported.status == 201, "import: \(imported.text)")
    }

    /// Starts a session of `count` questions; its id.
    func startSession(bankId: String, questions count: Int, token: String) async throws -> String {
        let started = try await send("POST", "/sessions", token: token, json: ["bankId": bankId, "questionCount": count])
        #expect(started.status == 201, "start: \(started.text)")
        return try #require((started.json["session"] as? [String: Any])?["sessionId"] as? String)
    }

    /// The session document (`GET /sessions/{id}` → `session`).
    func session(_ sessionId: String, token: String) async throws -> [String: Any] {
        let state = try await send("GET", "/sessions/\(sessionId)", token: token)
        #expect(state.status == 200, "session: \(state.text)")
        return try #require(state.json["session"] as? [String: Any])
    }

    /// The question being served.
    func currentQuestion(_ sessionId: String, token: String) async throws -> String {
        let question = try await send("GET", "/sessions/\(sessionId)/question", token: token)
        #expect(question.status == 200, "question: \(question.text)")
        return try #require(question.json["questionId"] as? String)
    }

    /// Answers `questionId` with `choice` (`b` is right in `sampleBank`).
    func answer(_ sessionId: String, _ questionId: String, choice: String, token: String, key: String? = nil) async throws -> Response {
        try await send(
            "POST", "/sessions/\(sessionId)/answer", token: token, json: ["questionId": questionId, "selectedAnswers": [choice]],
            headers: key.map { ["Idempotency-Key": $0] } ?? [:])
    }
}
