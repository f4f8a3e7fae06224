import FoundationEssentials
import QuizHTTP

/// What every HTTP function is: a name for logs and metrics, one route table, and the edge that
/// every function shares (`FunctionEdge`: event in, route, caller, errors mapped to HTTP once,
/// one log line out). A function declares those three and its handler; taking events, and the
/// route keys the runner and the template route to it, come from here.
package protocol RoutedFunction: Sendable {
    /// The function's operations, one per route.
    associatedtype Route: Sendable

    /// The function's name, in logs and metrics.
    static var name: String { get }
    /// The function's routes.
    static var routes: RouteTable<Route> { get }
    /// The edge over `routes`, built once with the function.
    var edge: FunctionEdge<Route> { get }
}

extension RoutedFunction {
    /// The API Gateway route keys this function serves, `GET /health` aside.
    package static var routeKeys: [String] { routes.keys }

    /// Handles one raw API Gateway event.
    package func handle(event: Data, context: InvocationContext) async -> Data {
        await edge.handle(event: event, context: context)
    }

    /// Handles one decoded request.
    package func handle(_ request: HTTPRequestEvent, context: InvocationContext) async -> HTTPResponseEvent {
        await edge.handle(request, context: context)
    }
}
