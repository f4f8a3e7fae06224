import ByteCoding

/// Maps a request's method and path to a route the caller defines, such as an enum of a
/// function's operations.
///
/// Routes are declared as a method and a template like `/sessions/{sessionId}/answer`. Matching
/// ignores one trailing slash and percent-decodes each path segment before comparing it, so
/// `/sessions/s%2D1/` matches with `sessionId` = `s-1`. A path that no template matches is 404
/// `NOT_FOUND`; a path that matches only with other methods is 405 `METHOD_NOT_ALLOWED` listing
/// them. Every parameter value must match `^[A-Za-z0-9._:-]{1,128}$`, else the request is 400
/// `BAD_REQUEST` naming the parameter: the values become parts of storage keys, so nothing
/// outside that alphabet (a `/`, a `#`, control characters, megabytes of text) may reach them.
///
/// When two templates match, the one with a literal segment where the other has a parameter
/// wins, at the first segment where they differ: `/users/me/progress` beats
/// `/users/{userId}/progress`.
public struct Router<Route: Sendable>: Sendable {
    private var entries: [Entry] = []

    private struct Entry: Sendable {
        var method: HTTPMethod
        var template: RouteTemplate
        var route: Route
        /// `METHOD /template`, built once for the logs and metrics of every request.
        var name: String
    }

    /// A router with no routes.
    public init() {}

    /// Adds a route.
    ///
    /// A template must begin with `/`, and each `{name}` must fill a whole segment with a name
    /// used once. A template that breaks these rules, or a method and template added twice, is a
    /// programming error and stops the process.
    public mutating func add(_ method: HTTPMethod, _ template: String, _ route: Route) {
        let parsed = RouteTemplate(template)
        precondition(
            !entries.contains { $0.method == method && $0.template.segments == parsed.segments },
            "route \(method) \(template) is declared twice"
        )
        entries.append(Entry(method: method, template: parsed, route: route, name: "\(method.rawValue) \(template)"))
    }

    /// The methods and templates of all routes, in the order they were added.
    public var routes: [(method: HTTPMethod, template: String)] {
        entries.map { (method: $0.method, template: $0.template.text) }
    }

    /// The route for `request`'s method and path.
    public func match(_ request: HTTPRequestEvent) throws(APIError) -> RouteMatch<Route> {
        try match(request.method, path: request.path)
    }

    /// The route for `method` and a raw (percent-encoded) `path`.
    ///
    /// - Throws: 404 `NOT_FOUND`, 405 `METHOD_NOT_ALLOWED` (with the allowed methods) or
    ///   400 `BAD_REQUEST` for a path that is not valid percent-encoded UTF-8 or a parameter
    ///   value outside the id alphabet.
    public func match(_ method: HTTPMethod, path: String) throws(APIError) -> RouteMatch<Route> {
        guard let segments = Self.segments(of: path) else {
            throw .badRequest("The path is not valid percent-encoded UTF-8.")
        }
        // One pass without building candidate lists: the first most specific match of the method
        // wins, as `max(by:)` over the candidates would pick it.
        var best: Entry?
        var matchedOtherMethod = false
        for entry in entries where entry.template.matches(segments) {
            guard entry.method == method else {
                matchedOtherMethod = true
                continue
            }
            if let current = best, !current.template.isLessSpecific(than: entry.template) { continue }
            best = entry
        }
        guard let best else {
            guard matchedOtherMethod else { throw .notFound(method: method, path: path) }
            throw .methodNotAllowed(method, allowed: entries.filter { $0.template.matches(segments) }.map(\.method))
        }
        let parameters = try best.template.parameters(in: segments)
        return RouteMatch(route: best.route, method: best.method, template: best.template.text, parameters: parameters, name: best.name)
    }

    /// The decoded segments of `path`, without the leading slash and one trailing slash; `nil`
    /// when a segment does not percent-decode.
    static func segments(of path: String) -> [String]? {
        var trimmed = Substring(path)
        if trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        if trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard !trimmed.isEmpty else { return [] }
        var segments: [String] = []
        for raw in trimmed.split(separator: "/", omittingEmptySubsequences: false) {
            guard let decoded = PercentEncoding.decode(raw) else { return nil }
            segments.append(decoded)
        }
        return segments
    }
}

/// The route a request matched, with the values of the template's parameters.
public struct RouteMatch<Route: Sendable>: Sendable {
    /// The route the caller declared.
    public var route: Route
    /// The method of the matched route.
    public var method: HTTPMethod
    /// The matched template, e.g. `/sessions/{sessionId}/answer`; fit for logs and metrics
    /// because it holds no ids.
    public var template: String
    /// The parameter values, percent-decoded and validated.
    public var parameters: PathParameters
    /// `METHOD /template`, e.g. `POST /sessions/{sessionId}/answer`: the route's name in logs
    /// and metrics.
    public var name: String

    /// A match.
    public init(route: Route, method: HTTPMethod, template: String, parameters: PathParameters, name: String? = nil) {
        self.route = route
        self.method = method
        self.template = template
        self.parameters = parameters
        self.name = name ?? "\(method.rawValue) \(template)"
    }
}

/// The parameter values of a matched route, e.g. `sessionId` → `s-1`.
public struct PathParameters: Sendable, Hashable {
    private var values: [String: String]

    /// Parameters from names to values.
    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    /// The value of the parameter `name`, or `nil` when the template has no such parameter.
    public subscript(name: String) -> String? {
        values[name]
    }

    /// The value of the parameter `name`.
    ///
    /// - Throws: 500 `INTERNAL` when the template has no such parameter: a mismatch between a
    ///   handler and its own route table, never the caller's fault.
    public func require(_ name: String) throws(APIError) -> String {
        guard let value = values[name] else {
            throw .internal(underlying: MissingPathParameter(name: name))
        }
        return value
    }

    /// The parameters as a dictionary.
    public var dictionary: [String: String] { values }
}

/// A handler asked for a path parameter its route's template does not have.
struct MissingPathParameter: Error, CustomStringConvertible {
    var name: String
    var description: String { "the matched route has no path parameter named \(name)" }
}
