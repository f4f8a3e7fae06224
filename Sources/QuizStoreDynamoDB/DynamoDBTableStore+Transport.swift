import CurlHTTP
import QuizStore
import Synchronization

extension DynamoDBTableStore {
    /// Sends signed requests of DynamoDB's JSON 1.0 protocol and reads their answers: `POST /`
    /// with `X-Amz-Target: DynamoDB_20120810.<Operation>`
    /// ([low-level API](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html)).
    ///
    /// `CurlHTTPClient` blocks and must never be used by two threads at once, so the transport
    /// keeps a few clients ("lanes"), each behind its own mutex: a request takes the first free
    /// lane, or waits for one. Every lane keeps its connection alive between requests, so TLS is
    /// set up once per lane, not once per request.
    final class Transport: Sendable {
        /// One client and the connection it keeps alive.
        private final class Lane: Sendable {
            let client: Mutex<CurlHTTPClient>

            init(_ client: sending CurlHTTPClient) {
                self.client = Mutex(client)
            }
        }

        private let lanes: [Lane]
        private let nextLane = Atomic<Int>(0)
        private let signer: SigV4Signer
        private let signingTime: @Sendable () -> Int64
        /// The URL every request goes to.
        private let url: String
        /// The `Host` header, sent explicitly so the signed value is exactly the one on the wire.
        private let host: String
        /// The request path, `/` unless the endpoint has a base path.
        private let path: String

        init(configuration: DynamoDBConfiguration) throws(TableError) {
            let endpoint = try Self.parse(endpoint: configuration.endpoint)
            url = endpoint.url
            host = endpoint.host
            path = endpoint.path
            signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region)
            signingTime = configuration.signingTime
            let settings = CurlHTTPClient.Configuration(
                connectTimeout: configuration.connectTimeout, requestTimeout: configuration.requestTimeout,
                userAgent: "adaptive-quiz-dynamodb",
                // BatchGetItem answers up to 100 items of 400 KB, as base64 and JSON.
                maximumResponseBodySize: 64 * 1024 * 1024)
            var lanes: [Lane] = []
            for _ in 0..<max(1, configuration.connections) {
                do throws(HTTPClientError) {
                    lanes.append(Lane(try CurlHTTPClient(configuration: settings)))
                } catch {
                    throw TableError(.backendFailure, "cannot start the HTTP client: \(error.message)", underlying: error)
                }
            }
            self.lanes = lanes
        }

        /// Sends one operation and returns the JSON body of its successful answer.
        ///
        /// An error answer becomes the table layer's error through ``DynamoDBError``; `table` names
        /// the table a `ResourceNotFoundException` is about.
        func send(_ operation: String, _ members: [String: JSONValue], table: String? = nil) throws(TableError) -> JSONValue {
            let body = JSONValue.object(members).jsonBytes
            var headers: [(name: String, value: String)] = [
                ("Content-Type", "application/x-amz-json-1.0"),
                ("X-Amz-Target", "DynamoDB_20120810.\(operation)"),
            ]
            // The invocation's X-Ray trace header, as AWS SDKs send it (not signed).
            if let trace = TraceHeader.current { headers.append((TraceHeader.name, trace)) }
            headers += signer.sign(method: "POST", host: host, path: path, headers: headers, body: body, epochSeconds: signingTime())
            headers.append(("Host", host))
            let request = HTTPRequest(method: .post, url: url, headers: headers, body: body)

            let response: HTTPResponse
            do throws(HTTPClientError) {
                response = try perform(request)
            } catch {
                throw Self.tableError(for: error)
            }
            guard response.isSuccess else {
                throw DynamoDBError(status: response.status, body: response.body).tableError(table: table)
            }
            do throws(JSONParseError) {
                return try JSONValue(parsing: response.body)
            } catch {
                throw TableError(.backendFailure, "DynamoDB answered \(operation) with malformed JSON", underlying: error)
            }
        }

        /// Sends on the first free lane, starting from a rotating one so connections are used
        /// evenly; when all are busy, waits for the one it started from.
        private func perform(_ request: HTTPRequest) throws(HTTPClientError) -> HTTPResponse {
            let start = nextLane.wrappingAdd(1, ordering: .relaxed).oldValue & Int.max
            for offset in 0..<lanes.count {
                let lane = lanes[(start + offset) % lanes.count]
                let response = try lane.client.withLockIfAvailable { client throws(HTTPClientError) in
                    try client.send(request)
                }
                if let response { return response }
            }
            return try lanes[start % lanes.count].client.withLock { client throws(HTTPClientError) in
                try client.send(request)
            }
        }

        // MARK: - Errors

        /// The table layer's error for a request that got no answer. Timeouts and broken
        /// connections are retryable; the server may still have acted on the request.
        static func tableError(for error: HTTPClientError) -> TableError {
            switch error.code {
            case .timeout:
                TableError(.timeout, "DynamoDB did not answer in time", underlying: error)
            case .connectionFailed, .tls:
                TableError(.connectionFailure, "cannot reach DynamoDB: \(error.message)", underlying: error)
            case .invalidRequest:
                TableError(.validation, "the DynamoDB request cannot be sent: \(error.message)", underlying: error)
            case .responseTooLarge, .other:
                TableError(.backendFailure, "the DynamoDB request failed: \(error.message)", underlying: error)
            }
        }

        // MARK: - Endpoint

        /// The URL, `Host` header and path of an `http://` or `https://` endpoint with an optional
        /// port and base path.
        static func parse(endpoint: String) throws(TableError) -> (url: String, host: String, path: String) {
            let scheme: String
            if endpoint.hasPrefix("https://") {
                scheme = "https"
            } else if endpoint.hasPrefix("http://") {
                scheme = "http"
            } else {
                throw .validation("the DynamoDB endpoint must be an http:// or https:// URL")
            }
            let rest = endpoint.dropFirst(scheme.count + 3)
            let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            // User information in the URL would be sent as Basic credentials: refuse it.
            guard !authority.isEmpty, !authority.contains("@") else {
                throw .validation("the DynamoDB endpoint must name a host, without user information")
            }
            var path = String(rest.dropFirst(authority.count))
            guard !path.contains("?"), !path.contains("#") else {
                throw .validation("the DynamoDB endpoint must have no query or fragment")
            }
            if path.isEmpty { path = "/" }
            return ("\(scheme)://\(authority)\(path)", String(authority), path)
        }
    }
}
