import Foundation
import NIOCore
import NIOHTTP1
import QuizBootstrap
import QuizHTTP
import Synchronization

/// The stand-in for API Gateway in front of the workers: routes each request to its function,
/// verifies the caller's token as the JWT authorizer would, turns the request into an HTTP API
/// payload 2.0 event (``ServeEvent``), runs it on the function's ``WorkerPool`` and turns the
/// proxy response back into HTTP. ``GatewayHandler`` drives it, one connection at a time.
///
/// Every step refuses early and clearly (docs/local-runner.md, "Limits"), in this order, so a
/// refused request costs no more than it must: an unknown route (404/405); a body on a method
/// that takes none (400, never read); a missing or invalid token (401); a declared body over
/// the limit (413, never read); a body or event the runner has no room for now (503); an event
/// over the invocation limit (413, never queued); a full queue (503); a wait past the queue's
/// deadline (504). A client that goes away while its request waits has it withdrawn before any
/// worker sees it.
///
/// Errors of the gateway's own use the same `{"error": {…}}` document as the functions, with
/// the request's id.
final class ServeGateway: Sendable {
    /// The request id: `requestContext.requestId` in the event, the invocation's
    /// `Lambda-Runtime-Aws-Request-Id`, and this header in the response, as API Gateway sends it.
    static let requestIDHeader = "apigw-requestid"
    /// The pid of the worker process that answered: which worker served a request.
    static let workerHeader = "x-quiz-worker"
    /// The one route without an authorizer, as in the SAM template: liveness needs no caller.
    static let publicTemplate = "/health"

    /// A responder for the requests no API route claims (`GET /` and its files, for a web app
    /// served beside the API): `nil` to answer 404 as before.
    typealias Fallback = @Sendable (_ method: String, _ path: String, _ headers: [(String, String)]) async -> HTTPResponseEvent?

    /// Which function serves which method and path.
    private let routes: QuizHTTP.Router<FunctionName>
    /// The workers of each function.
    private let pools: [FunctionName: WorkerPool]
    /// Verifies bearer tokens.
    let tokens: LocalTokens
    /// The invocation timeout, for the 504's message.
    private let timeout: Duration
    /// The limits on bodies and events.
    let limits: ServeLimits
    /// The bytes of bodies and events held now.
    let pending: PendingBytes
    /// Requests between their header and their answer, for a graceful stop.
    let inFlight = InFlightRequests()
    /// The responder of requests no route claims.
    let fallback: Fallback?

    /// A gateway over these pools, with a route table built from ``FunctionName/routes``;
    /// `GET /health` goes to the session function.
    init(pools: [FunctionName: WorkerPool], tokens: LocalTokens, timeout: Duration, limits: ServeLimits, fallback: Fallback? = nil) {
        var routes = QuizHTTP.Router<FunctionName>()
        for function in FunctionName.allCases {
            for route in function.routes {
                let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
                routes.add(QuizHTTP.HTTPMethod(rawValue: parts[0]), parts[1], function)
            }
        }
        routes.add(.get, Self.publicTemplate, .session)
        self.routes = routes
        self.pools = pools
        self.tokens = tokens
        self.timeout = timeout
        self.limits = limits
        self.pending = PendingBytes(limit: limits.maxPendingBytes)
        self.fallback = fallback
    }

    // MARK: - Deciding on a header

    /// What to do with a request once its header is in.
    enum Start {
        /// Answer this at once; the body, if any, is never read.
        case refuse(HTTPResponseEvent, FunctionName?)
        /// No route claims it; the fallback answers.
        case fallback(Fallback)
        /// Read the body. `claims` are the caller's, or `nil` while `token` is verified.
        case accept(RouteMatch<FunctionName>, claims: [String: String]?, token: String?)
    }

    /// The first decision on a request: its route, whether it may have a body, its token (when
    /// this runner has seen it before), its announced size.
    func start(_ head: HTTPRequestHead, requestID: String) -> Start {
        let (path, _) = Self.split(head.uri)
        let match: RouteMatch<FunctionName>
        do {
            match = try routes.match(QuizHTTP.HTTPMethod(rawValue: head.method.rawValue), path: path)
        } catch {
            if let fallback, error.code == .notFound, head.method == .GET || head.method == .HEAD { return .fallback(fallback) }
            return .refuse(error.response(requestId: requestID), nil)
        }
        func refuse(_ failure: ServeGatewayError) -> Start { .refuse(failure.response(requestID: requestID), match.route) }

        let declaredLength = head.headers.first(name: "content-length").flatMap(Int.init)
        let hasBody = (declaredLength ?? 0) > 0 || head.headers.contains(name: "transfer-encoding")
        if hasBody, !Self.takesBody(head.method) {
            return refuse(ServeGatewayError(.bodyNotAllowed, "\(head.method.rawValue) \(match.template) takes no request body."))
        }
        var claims: [String: String]? = [:]
        var token: String?
        if match.template != Self.publicTemplate {
            guard let presented = Self.bearerToken(head.headers.first(name: "authorization")) else { return refuse(.missingToken) }
            switch tokens.remembered(presented) {
            case .success(let remembered)?: claims = remembered
            case .failure?: return refuse(.invalidToken)
            case nil:
                claims = nil
                token = presented
            }
        }
        if let declaredLength, declaredLength > limits.maxEventBytes {
            return refuse(.payloadTooLarge(limit: limits.maxEventBytes))
        }
        return .accept(match, claims: claims, token: token)
    }

    /// Whether requests with `method` may carry a body: not `GET`, `HEAD`, `DELETE` or
    /// `OPTIONS`, which take none in this API (and in API Gateway's own routes).
    static func takesBody(_ method: NIOHTTP1.HTTPMethod) -> Bool {
        switch method {
        case .GET, .HEAD, .DELETE, .OPTIONS: false
        default: true
        }
    }

    /// The token of an `Authorization: Bearer` header; the scheme name is case-insensitive
    /// (RFC 9110 §11.1).
    static func bearerToken(_ authorization: String?) -> String? {
        guard let authorization else { return nil }
        let utf8 = authorization.utf8
        guard utf8.count > 7, zip(utf8.prefix(7), "bearer ".utf8).allSatisfy({ $0 | 0x20 == $1 }) else { return nil }
        let token = utf8.dropFirst(7).drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        let end = token.lastIndex { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
        guard let end else { return nil }
        return String(Substring(token[...end]))
    }

    /// A request target's path and query.
    static func split(_ uri: String) -> (path: String, query: String) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, "") }
        return (String(uri[..<mark]), String(uri[uri.index(after: mark)...]))
    }

    // MARK: - Running a request

    /// What a request came to: the proxy response, and who produced it.
    struct Reply: Sendable {
        var response: HTTPResponseEvent
        var function: FunctionName?
        var workerPID: Int32?
    }

    /// Runs the request whose header, route, claims and body are in: checks the event's size,
    /// queues it, and calls `completion` with its reply, possibly before this returns.
    ///
    /// `body`'s bytes must be reserved from ``pending``; they are released here, the event's
    /// size reserved in their place until the reply.
    func run(
        _ head: HTTPRequestHead, _ match: RouteMatch<FunctionName>, claims: [String: String], body: ByteBuffer, requestID: String,
        completion: @escaping @Sendable (Reply) -> Void
    ) {
        func refuse(_ failure: ServeGatewayError) {
            completion(Reply(response: failure.response(requestID: requestID), function: match.route))
        }
        let reserved = body.readableBytes
        if let size = ServeEvent.sizeIfOver(limits.maxEventBytes, body: body, head: head) {
            pending.release(reserved)
            return refuse(.eventTooLarge(bytes: size, limit: limits.maxEventBytes))
        }
        guard let pool = pools[match.route] else {
            pending.release(reserved)
            return completion(Reply(response: APIError.internal().response(requestId: requestID), function: match.route))
        }
        let context = ServeEvent.Context(
            routeKey: match.name, pathParameters: match.parameters.dictionary, claims: claims, requestID: requestID,
            time: Int64(Date().timeIntervalSince1970 * 1000))
        let event = ServeEvent.make(head, body: body, context: context)
        // The body is done with: the event takes its place in the budget until the reply.
        pending.release(reserved)
        guard event.count <= limits.maxEventBytes else { return refuse(.eventTooLarge(bytes: event.count, limit: limits.maxEventBytes)) }
        guard pending.reserve(event.count) else { return refuse(.noRoom) }
        let pending = pending
        let timeout = timeout
        pool.submit(event, requestID: requestID) { reply in
            pending.release(event.count)
            let response = reply.outcome.proxyResponse(function: match.route, timeout: timeout, requestID: requestID)
            completion(Reply(response: response, function: match.route, workerPID: reply.workerPID))
        }
    }

    /// The caller of `requestID`, queued on `function`, has gone.
    func withdraw(_ requestID: String, from function: FunctionName) {
        pools[function]?.withdraw(requestID)
    }
}

/// Requests between their header and their answer, counted so that a graceful stop can wait
/// for them.
final class InFlightRequests: Sendable {
    private let count = Atomic<Int>(0)

    func began() { count.add(1, ordering: .relaxed) }
    func ended() { count.subtract(1, ordering: .relaxed) }

    /// Waits until no request is in flight (or the task is cancelled).
    func drained() async {
        while count.load(ordering: .relaxed) > 0, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
