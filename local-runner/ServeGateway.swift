import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QuizBootstrap
import QuizHTTP

/// The stand-in for API Gateway in front of the workers: routes each request to its function,
/// verifies the caller's token as the JWT authorizer would, turns the request into an HTTP API
/// payload 2.0 event, runs it on the function's ``WorkerPool`` and turns the proxy response
/// back into HTTP
/// ([payload format](https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html)).
///
/// Every route but `GET /health` requires `Authorization: Bearer <JWT>`. As API Gateway's JWT
/// authorizer does, the gateway refuses a missing, malformed, forged or expired token with 401
/// itself, before any worker runs; the refusal is this API's structured `UNAUTHENTICATED`
/// error. A valid token's claims reach the function in `requestContext.authorizer.jwt.claims`.
///
/// Errors of the gateway's own (no route, token, size, a worker that crashed or timed out) use
/// the same `{"error": {…}}` document as the functions, with the request's id.
struct ServeGateway: HTTPResponder {
    typealias Context = BasicRequestContext

    /// The request id: `requestContext.requestId` in the event, the invocation's
    /// `Lambda-Runtime-Aws-Request-Id`, and this header in the response, as API Gateway sends it.
    static let requestIDHeader = HTTPField.Name("apigw-requestid")!
    /// The pid of the worker process that answered: which worker served a request.
    static let workerHeader = HTTPField.Name("x-quiz-worker")!
    /// The largest request body accepted: Lambda's 6 MB invocation payload limit.
    static let bodyLimit = RuntimeAPIListener.payloadLimit

    /// The one route without an authorizer, as in the SAM template: liveness needs no caller.
    static let publicTemplate = "/health"

    /// Which function serves which method and path.
    private let routes: QuizHTTP.Router<FunctionName>
    /// The workers of each function.
    private let pools: [FunctionName: WorkerPool]
    /// Verifies bearer tokens.
    private let tokens: LocalTokens
    /// The invocation timeout, for the 504's message.
    private let timeout: Duration

    /// A gateway over these pools, with a route table built from ``FunctionName/routes``;
    /// `GET /health` goes to the session function.
    init(pools: [FunctionName: WorkerPool], tokens: LocalTokens, timeout: Duration) {
        var routes = QuizHTTP.Router<FunctionName>()
        for function in FunctionName.allCases {
            for route in function.routes {
                let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
                routes.add(HTTPMethod(rawValue: parts[0]), parts[1], function)
            }
        }
        routes.add(.get, Self.publicTemplate, .session)
        self.routes = routes
        self.pools = pools
        self.tokens = tokens
        self.timeout = timeout
    }

    /// Answers one request and logs it: method, path, status, milliseconds, and the worker.
    func respond(to request: Request, context: Context) async throws -> Response {
        let clock = ContinuousClock()
        let started = clock.now
        let requestID = UUID().uuidString.lowercased()
        let reply = await handle(request, requestID: requestID)
        let elapsed = (clock.now - started).wholeMilliseconds
        let worker = reply.function.map { " \($0)" + (reply.workerPID.map { " pid \($0)" } ?? "") } ?? ""
        printError("\(request.method.rawValue) \(request.uri.path) \(reply.response.statusCode) \(elapsed) ms\(worker) \(requestID)")
        return Self.response(reply, requestID: requestID)
    }

    // MARK: - Request to invocation

    /// What a request came to: the proxy response, and who produced it.
    struct Reply: Sendable {
        var response: HTTPResponseEvent
        var function: FunctionName?
        var workerPID: Int32?
    }

    private func handle(_ request: Request, requestID: String) async -> Reply {
        let method = HTTPMethod(rawValue: request.method.rawValue)
        let match: RouteMatch<FunctionName>
        do {
            match = try routes.match(method, path: request.uri.path)
        } catch {
            return Reply(response: error.response(requestId: requestID))
        }
        var claims: [String: String] = [:]
        if match.template != Self.publicTemplate {
            switch await authenticate(request.headers[.authorization]) {
            case .success(let verified): claims = verified
            case .failure(let refusal): return Reply(response: refusal.response(requestID: requestID), function: match.route)
            }
        }
        let body: Data
        do {
            body = try await Self.body(of: request)
        } catch is NIOTooManyBytesError {
            return Reply(response: APIError.payloadTooLarge(limit: Self.bodyLimit).response(requestId: requestID), function: match.route)
        } catch {
            return Reply(response: APIError.badRequest("The request body could not be read.").response(requestId: requestID), function: match.route)
        }
        guard let pool = pools[match.route], let event = try? Self.event(request, match, body: body, claims: claims, requestID: requestID)
        else {
            return Reply(response: APIError.internal().response(requestId: requestID), function: match.route)
        }
        let reply = await pool.invoke(event, requestID: requestID)
        let response = reply.outcome.proxyResponse(function: match.route, timeout: timeout, requestID: requestID)
        return Reply(response: response, function: match.route, workerPID: reply.workerPID)
    }

    /// The claims of the bearer token, or the 401 to answer.
    private func authenticate(_ authorization: String?) async -> Result<[String: String], ServeGatewayFailure> {
        // The scheme name is case-insensitive (RFC 9110 §11.1); the token is the rest.
        guard let authorization, authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else {
            return .failure(.missingToken)
        }
        let token = authorization.dropFirst(7).trimmingCharacters(in: .whitespaces)
        guard let claims = await tokens.verify(token) else { return .failure(.invalidToken) }
        return .success(claims)
    }

    /// The body, refused above ``bodyLimit`` bytes: by its `Content-Length` before reading, or
    /// while reading a chunked one.
    private static func body(of request: Request) async throws -> Data {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > bodyLimit {
            throw NIOTooManyBytesError(maxBytes: bodyLimit)
        }
        return Data(try await request.body.collect(upTo: bodyLimit).readableBytesView)
    }

    /// The request as the payload 2.0 event API Gateway would send for the matched route.
    private static func event(
        _ request: Request, _ match: RouteMatch<FunctionName>, body: Data, claims: [String: String], requestID: String
    ) throws -> Data {
        var headers = HTTPHeaders(request.headers.map { ($0.name.rawName, $0.value) })
        // Payload 2.0 moves cookies out of the headers into their own array.
        let cookies = headers["cookie"].map { $0.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        headers["cookie"] = nil
        let event = HTTPRequestEvent(
            method: HTTPMethod(rawValue: request.method.rawValue), path: request.uri.path,
            pathParameters: match.parameters.dictionary, query: QueryParameters(rawQueryString: request.uri.query ?? ""),
            headers: headers, cookies: cookies, body: body, requestId: requestID, sourceIP: "127.0.0.1",
            userAgent: headers["user-agent"], routeKey: "\(match.method.rawValue) \(match.template)", claims: claims)
        return try event.httpAPIEvent(routeKey: event.routeKey, time: Int64(Date().timeIntervalSince1970 * 1000))
    }

    // MARK: - Proxy response to HTTP

    /// The HTTP response for a proxy response: its status, headers and body (base64-decoded
    /// when `isBase64Encoded`; ``InvocationOutcome/proxyResponse(function:timeout:requestID:)``
    /// has checked that it decodes), plus the request id and the worker's pid.
    private static func response(_ reply: Reply, requestID: String) -> Response {
        var proxy = reply.response
        let body = proxy.isBase64Encoded ? Data(base64Encoded: proxy.body) ?? Data() : Data(proxy.body.utf8)
        // The server computes the length of the body it actually sends.
        proxy.headers["content-length"] = nil
        proxy.headers["transfer-encoding"] = nil
        var headers = HTTPFields()
        for (name, value) in proxy.headers.dictionary {
            guard let field = HTTPField.Name(name) else { continue }
            headers[field] = value
        }
        headers[requestIDHeader] = requestID
        if let pid = reply.workerPID { headers[workerHeader] = String(pid) }
        return Response(
            status: HTTPResponse.Status(code: proxy.statusCode), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
