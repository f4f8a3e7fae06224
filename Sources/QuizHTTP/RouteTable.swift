/// A function's routes, declared once: the router that dispatches its requests and the route keys
/// (`POST /sessions`) the local runner and the deployment template route to it are both made from
/// this table, so the two cannot drift apart (docs/contributing.md, "Adding a route").
public struct RouteTable<Route: Sendable>: Sendable {
    /// One route: a method, a path template, and the operation it names.
    public struct Entry: Sendable {
        public let method: HTTPMethod
        public let template: String
        public let route: Route

        public init(_ method: HTTPMethod, _ template: String, _ route: Route) {
            self.method = method
            self.template = template
            self.route = route
        }
    }

    /// The routes a caller reaches through API Gateway, in the order they are matched.
    public let entries: [Entry]
    /// The route of `GET /health`, served beside them; `nil` for a function without HTTP routes.
    public let health: Route?

    /// A table of `entries`, with `GET /health` answered by `health`.
    public init(_ entries: [Entry], health: Route?) {
        self.entries = entries
        self.health = health
    }

    /// The API Gateway route keys of `entries` (`METHOD /template`), `GET /health` not among them.
    public var keys: [String] {
        entries.map { "\($0.method.rawValue) \($0.template)" }
    }

    /// A router over every entry and `GET /health`.
    public var router: Router<Route> {
        var router = Router<Route>()
        for entry in entries { router.add(entry.method, entry.template, entry.route) }
        if let health { router.add(.get, "/health", health) }
        return router
    }
}
