import FoundationEssentials
import QuizHTTP
import QuizObservability
import QuizStore
import Synchronization

/// Whether this process has handled an invocation yet, for the cold-start metric.
private let firstInvocation = Atomic<Bool>(true)

/// The edge every function shares: event in, route, caller, errors mapped to HTTP once, one log
/// line out. The handlers behind it see typed requests and throw typed errors.
package struct FunctionEdge<Route: Sendable>: Sendable {
    /// How a route is handled.
    package typealias Handler = @Sendable (Route, RouteMatch<Route>, HTTPRequestEvent, inout RequestScope) async throws -> HTTPResponseEvent

    let function: String
    let environment: QuizEnvironment
    let router: Router<Route>
    let handler: Handler

    init(function: String, environment: QuizEnvironment, router: Router<Route>, handler: @escaping Handler) {
        self.function = function
        self.environment = environment
        self.router = router
        self.handler = handler
    }

    /// Handles a raw event, as the runtime hands it over, and returns the raw response.
    package func handle(event: Data, context: InvocationContext) async -> Data {
        let response: HTTPResponseEvent
        do {
            let request = try HTTPRequestEvent(json: event)
            response = await handle(request, context: context)
        } catch {
            let failure = APIError.badRequest("The event is not an API Gateway HTTP API (2.0) or REST (1.0) proxy event.")
            response = failure.response(requestId: context.requestId)
            environment.logger.record(
                InvocationRecord(
                    requestId: context.requestId, function: function, route: "-", status: response.statusCode,
                    durationMilliseconds: 0, coldStart: firstInvocation.exchange(false, ordering: .relaxed),
                    errorCode: failure.code.rawValue))
        }
        return (try? response.jsonData()) ?? Data(#"{"statusCode":500,"body":""}"#.utf8)
    }

    /// Handles a decoded request.
    package func handle(_ request: HTTPRequestEvent, context: InvocationContext) async -> HTTPResponseEvent {
        let clock = ContinuousClock()
        let started = clock.now
        let coldStart = firstInvocation.exchange(false, ordering: .relaxed)
        // API Gateway's request id when there is one: it is what the caller can quote to support.
        let requestId = request.requestId.isEmpty ? context.requestId : request.requestId
        var scope = RequestScope(
            requestId: requestId, now: environment.now(), deadline: context.deadline, seed: environment.settings.randomSeed)
        var routeName = "-"
        var response: HTTPResponseEvent
        var errorCode: String?
        do {
            if environment.settings.allowClockHeader, let text = request.headers[ClockHeader.name] {
                // Time travel for tests and replays: the request happens at the header's time, and
                // its deadline moves with it so that claims last as long as they would have.
                let real = scope.now
                scope.now = try ClockHeader.milliseconds(text)
                scope.deadline = scope.deadline.map { $0 &+ (scope.now &- real) }
            }
            let match = try router.match(request)
            routeName = match.name
            response = try await handler(match.route, match, request, &scope)
        } catch {
            // The one mapping of errors to HTTP (ErrorMapping.swift).
            let failure = APIError.answering(error)
            errorCode = failure.code.rawValue
            if failure.status >= 500 {
                environment.logger.log(
                    .error, "\(routeName) failed: \(failure.underlying.map { "\($0)" } ?? failure.message)",
                    requestId: requestId, function: function)
            }
            response = failure.response(requestId: requestId)
        }
        response.headers["x-request-id"] = requestId
        let elapsed = clock.now - started
        environment.logger.record(
            InvocationRecord(
                requestId: requestId, function: function, route: routeName, status: response.statusCode,
                durationMilliseconds: Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000,
                coldStart: coldStart, errorCode: errorCode))
        return response
    }
}

extension HTTPRequestEvent {
    /// The caller, or 401.
    var authenticatedCaller: Caller {
        get throws(APIError) { try requireCaller() }
    }
}

/// `GET /health`: the function is alive and says whether its table backend answers.
struct HealthCheck {
    struct View: Encodable {
        var status: String
        var function: String
        var store: String
        var storeLatencyMs: Double?
    }

    static func respond(function: String, store: any TableStore) async throws(APIError) -> HTTPResponseEvent {
        let clock = ContinuousClock()
        let started = clock.now
        do {
            try await store.ping()
        } catch {
            var headers: HTTPHeaders = [:]
            if let retryAfter = error.retryAfter { headers["retry-after"] = String(Int(retryAfter.rounded(.up))) }
            return try .json(503, View(status: "degraded", function: function, store: "unreachable"), headers: headers)
        }
        let elapsed = clock.now - started
        let milliseconds = (Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        return try .json(200, View(status: "ok", function: function, store: "reachable", storeLatencyMs: (milliseconds * 1000).rounded() / 1000))
    }
}
