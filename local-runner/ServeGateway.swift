import Foundation
import NIOCore
import NIOHTTP1
import QuizBootstrap
import QuizHTTP
import Synchronization

/// The stand-in for API Gateway in front of the workers: routes each request to its function,
/// verifies the caller's token as the JWT authorizer would, turns the request into an HTTP API
/// payload 2.0 event (``ServeEvent``), runs it on the function's ``WorkerPool`` and turns the
/// proxy response back into HTTP. Paths no API route claims may belong to the web app served
/// beside the API (``ServeWebApp``): its files, and its dev login. ``GatewayHandler`` drives
/// it, one connection at a time.
///
/// Every step refuses early and clearly (docs/local-runner.md, "Limits"), in this order, so a
/// refused request costs no more than it must: an unknown route (404/405); a body on a method
/// that takes none (400, never read); a missing or invalid token (401), or for the dev login a
/// request not addressed to and sent from this machine (403/415); a declared body over the
/// route's limit (413, never read); a body or event the runner has no room for now (503); an
/// event over the invocation limit (413, never queued); a full queue (503); a wait past the
/// queue's deadline (504). A client that goes away while its request waits has it withdrawn
/// before any worker sees it.
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
    /// The web app served beside the API.
    let webApp: ServeWebApp

    /// A gateway over these pools, with a route table built from ``FunctionName/routes``;
    /// `GET /health` goes to the session function; paths none of them claims go to `webApp`.
    init(pools: [FunctionName: WorkerPool], tokens: LocalTokens, timeout: Duration, limits: ServeLimits, webApp: ServeWebApp = .none) {
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
        self.webApp = webApp
    }

    // MARK: - Deciding on a header

    /// What to do with a request once its header is in.
    enum Start {
        /// Answer this at once; the body, if any, is never read.
        case refuse(ServeResponse, Responder?)
        /// Read the body, then run the route. `claims` are the caller's, or `nil` while `token`
        /// is verified.
        case accept(Route, claims: [String: String]?, token: String?)
    }

    /// The first decision on a request: its route, whether it may have a body, its caller (its
    /// token, when this runner has seen it before; for the dev login, where it comes from), its
    /// announced size.
    func start(_ head: HTTPRequestHead, requestID: String) -> Start {
        let (path, _) = Self.split(head.uri)
        let route: Route
        do {
            route = try self.route(head.method, path: path)
        } catch {
            return .refuse(ServeResponse(error.response(requestId: requestID)), nil)
        }
        func refuse(_ failure: ServeGatewayError) -> Start { .refuse(ServeResponse(failure.response(requestID: requestID)), route.responder) }

        let declaredLength = head.headers.first(name: "content-length").flatMap(Int.init)
        let hasBody = (declaredLength ?? 0) > 0 || head.headers.contains(name: "transfer-encoding")
        if hasBody, !Self.takesBody(head.method) {
            return refuse(ServeGatewayError(.bodyNotAllowed, "\(head.method.rawValue) \(route.template) takes no request body."))
        }
        var claims: [String: String]? = [:]
        var token: String?
        switch route {
        case .function(let match) where match.template != Self.publicTemplate:
            guard let presented = Self.bearerToken(head.headers.first(name: "authorization")) else { return refuse(.missingToken) }
            switch tokens.remembered(presented) {
            case .success(let remembered)?: claims = remembered
            case .failure?: return refuse(.invalidToken)
            case nil:
                claims = nil
                token = presented
            }
        case .devLogin(let devLogin):
            if let refusal = devLogin.refusal(
                hosts: head.headers["host"], origin: head.headers.first(name: "origin"), contentType: head.headers.first(name: "content-type"),
                requestID: requestID)
            {
                return .refuse(ServeResponse(refusal), .devLogin)
            }
        case .function, .file:
            break
        }
        if let declaredLength, declaredLength > route.bodyLimit(limits) {
            return refuse(.payloadTooLarge(limit: route.bodyLimit(limits)))
        }
        return .accept(route, claims: claims, token: token)
    }

    /// The route of `method` and `path`: the API's, else the web app's.
    ///
    /// - Throws: the API's 404 or 405.
    func route(_ method: NIOHTTP1.HTTPMethod, path: String) throws(APIError) -> Route {
        do {
            return .function(try routes.match(QuizHTTP.HTTPMethod(rawValue: method.rawValue), path: path))
        } catch {
            guard error.code == .notFound, let route = try webApp.route(method, path: path) else { throw error }
            return route
        }
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

    /// What a request came to: the response, and who produced it.
    struct Reply: Sendable {
        var response: ServeResponse
        var responder: Responder?
        var workerPID: Int32?
    }

    /// Runs the request whose header, route, claims and body are in, and calls `completion`
    /// with its reply, possibly before this returns: a function's request is checked for size
    /// and queued on its workers, a file is answered from memory, a dev login mints its token.
    ///
    /// `body`'s bytes must be reserved from ``pending``; they are released here (for a
    /// function, the event's size is reserved in their place until the reply).
    func run(
        _ head: HTTPRequestHead, _ route: Route, claims: [String: String], body: ByteBuffer, requestID: String,
        completion: @escaping @Sendable (Reply) -> Void
    ) {
        switch route {
        case .function(let match):
            invoke(head, match, claims: claims, body: body, requestID: requestID, completion: completion)
        case .file(let file, _):
            pending.release(body.readableBytes)
            completion(Reply(response: ServeWebApp.response(file, to: head), responder: .webApp))
        case .devLogin(let devLogin):
            let pending = pending
            Task {
                let response = await devLogin.mint(body: Data(body.readableBytesView), requestID: requestID)
                pending.release(body.readableBytes)
                completion(Reply(response: ServeResponse(response), responder: .devLogin))
            }
        }
    }

    /// Runs a function's request: checks the event's size, queues it, and replies with the
    /// function's response or the gateway's error.
    private func invoke(
        _ head: HTTPRequestHead, _ match: RouteMatch<FunctionName>, claims: [String: String], body: ByteBuffer, requestID: String,
        completion: @escaping @Sendable (Reply) -> Void
    ) {
        let responder = Responder.function(match.route)
        func refuse(_ failure: ServeGatewayError) {
            completion(Reply(response: ServeResponse(failure.response(requestID: requestID)), responder: responder))
        }
        let reserved = body.readableBytes
        if let size = ServeEvent.sizeIfOver(limits.maxEventBytes, body: body, head: head) {
            pending.release(reserved)
            return refuse(.eventTooLarge(bytes: size, limit: limits.maxEventBytes))
        }
        guard let pool = pools[match.route] else {
            pending.release(reserved)
            return completion(Reply(response: ServeResponse(APIError.internal().response(requestId: requestID)), responder: responder))
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
            completion(Reply(response: ServeResponse(response), responder: responder, workerPID: reply.workerPID))
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
