import CurlHTTP
import QuizStore
import StrictJSON

extension DynamoDBTableStore {
    /// Sends signed requests of DynamoDB's JSON 1.0 protocol and reads their answers: `POST /`
    /// with `X-Amz-Target: DynamoDB_20120810.<Operation>`
    /// ([low-level API](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html)).
    ///
    /// `CurlHTTPClient` blocks and must never be used by two threads at once, so the transport
    /// sends on threads of its own (``BackendThreads``, docs/storage-threads.md), up to
    /// ``DynamoDBConfiguration/connections`` of them, each with its own client ("lane") and the
    /// connection that client keeps alive, so TLS is set up once per lane, not once per request.
    /// The caller builds and signs each request in its own task (whatever it reads there, such
    /// as a task-local trace header, is read at build time), hands only the finished request to
    /// a lane, and suspends until the answer is back: a caller's concurrent requests are in
    /// flight at once, even from tasks that share one thread.
    final class Transport: Sendable {
        private let lanes: BackendThreads<CurlHTTPClient>
        private let signer: SigV4Signer
        private let signingTime: @Sendable () -> Int64
        /// The URL every request goes to.
        private let url: String
        /// The `Host` header, sent explicitly so the signed value is exactly the one on the wire.
        private let host: String
        /// The request path, `/` unless the endpoint has a base path.
        private let path: String
        /// How each lane's client is set up.
        private let clientSettings: CurlHTTPClient.Configuration

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
            clientSettings = settings
            // The first lane's client is made here, so a client that cannot start fails the
            // store's creation rather than its first request; the others on first need.
            lanes = BackendThreads(maximumThreads: max(1, configuration.connections), resources: [try Self.client(settings)]) {
                () throws(TableError) in try Self.client(settings)
            }
        }

        /// A new HTTP client, or the table layer's error for one that cannot start.
        private static func client(_ settings: CurlHTTPClient.Configuration) throws(TableError) -> CurlHTTPClient {
            do throws(HTTPClientError) {
                return try CurlHTTPClient(configuration: settings)
            } catch {
                throw TableError(.backendFailure, "cannot start the HTTP client: \(error.message)", underlying: error)
            }
        }

        /// Sends one operation and returns the JSON body of its successful answer.
        ///
        /// An error answer becomes the table layer's error through ``DynamoDBError``; `table` names
        /// the table a `ResourceNotFoundException` is about.
        func send(_ operation: String, _ members: [String: JSONValue], table: String? = nil) async throws(TableError) -> JSONValue {
            let request = signedRequest(operation, body: JSONValue.object(JSONObject(members)).jsonBytes)
            let response = try await lanes.run { client throws(TableError) in try Self.perform(request, on: client) }
            return try Self.answer(response, to: operation, table: table)
        }

        /// ``send(_:_:table:)`` for a synchronous caller, which it blocks for the round trip: on
        /// a client of its own, made for the call, so no lane is held and nothing waits for one.
        func sendBlocking(_ operation: String, _ members: [String: JSONValue], table: String? = nil) throws(TableError) -> JSONValue {
            let request = signedRequest(operation, body: JSONValue.object(JSONObject(members)).jsonBytes)
            return try Self.answer(try Self.perform(request, on: try Self.client(clientSettings)), to: operation, table: table)
        }

        /// The request of one operation, headers and SigV4 signature included
        /// ([signed request](https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html)).
        func signedRequest(_ operation: String, body: [UInt8]) -> HTTPRequest {
            var headers: [(name: String, value: String)] = [
                ("Content-Type", "application/x-amz-json-1.0"),
                ("X-Amz-Target", "DynamoDB_20120810.\(operation)"),
            ]
            // The invocation's X-Ray trace header, as AWS SDKs send it (not signed).
            if let trace = TraceHeader.current { headers.append((TraceHeader.name, trace)) }
            headers += signer.sign(method: "POST", host: host, path: path, headers: headers, body: body, epochSeconds: signingTime())
            headers.append(("Host", host))
            return HTTPRequest(method: .post, url: url, headers: headers, body: body)
        }

        private static func perform(_ request: HTTPRequest, on client: CurlHTTPClient) throws(TableError) -> HTTPResponse {
            do throws(HTTPClientError) {
                return try client.send(request)
            } catch {
                throw tableError(for: error)
            }
        }

        /// The JSON of a successful answer; the table layer's error for any other.
        private static func answer(_ response: HTTPResponse, to operation: String, table: String?) throws(TableError) -> JSONValue {
            guard response.isSuccess else {
                throw DynamoDBError(status: response.status, body: response.body).tableError(table: table)
            }
            do throws(JSONParseError) {
                return try JSONParser.parse(response.body, options: DynamoDBJSON.parsing)
            } catch {
                throw TableError(.backendFailure, "DynamoDB answered \(operation) with malformed JSON", underlying: error)
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
