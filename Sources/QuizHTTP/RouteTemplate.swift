import QuizEngine

/// A parsed route template such as `/sessions/{sessionId}/answer`: literal segments, and
/// parameter segments that each match one non-`/` segment of a path.
///
/// The `{name}` syntax is API Gateway's own for route paths
/// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html),
/// so one table can describe both the gateway's routes and this router's. Greedy `{proxy+}`
/// parameters are not supported: this API has no route that needs one.
struct RouteTemplate: Sendable {
    enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
    }

    /// The template as declared.
    let text: String
    /// Its segments, without the leading slash (and a trailing one).
    let segments: [Segment]

    /// Parses `text`; an invalid template is a programming error and stops the process.
    init(_ text: String) {
        precondition(text.hasPrefix("/"), "route template \(text) must begin with /")
        self.text = text
        var trimmed = text.dropFirst()
        if trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        var names: Set<String> = []
        let rawSegments = trimmed.isEmpty ? [] : trimmed.split(separator: "/", omittingEmptySubsequences: false)
        segments = rawSegments.map { raw in
            precondition(!raw.isEmpty, "route template \(text) has an empty segment")
            guard raw.hasPrefix("{") else {
                precondition(!raw.contains("{") && !raw.contains("}"), "route template \(text): \(raw) is not a whole segment")
                return .literal(String(raw))
            }
            let name = String(raw.dropFirst().dropLast())
            let isWellFormed = raw.hasSuffix("}") && !name.isEmpty && !name.contains("{") && !name.contains("}")
            precondition(isWellFormed && !name.hasSuffix("+"), "route template \(text): unsupported parameter \(raw)")
            precondition(names.insert(name).inserted, "route template \(text) uses {\(name)} twice")
            return .parameter(name)
        }
    }

    /// Whether the decoded path segments fit this template: same count, literals equal.
    ///
    /// A parameter takes any segment here, even an empty or unsafe one, so that such a path
    /// gets a 400 naming the parameter from `parameters(in:)` rather than a puzzling 404.
    func matches(_ path: [String]) -> Bool {
        guard path.count == segments.count else { return false }
        for (segment, value) in zip(segments, path) {
            if case .literal(let literal) = segment, literal != value { return false }
        }
        return true
    }

    /// Whether `other` is the more specific of two templates that match the same path: at the
    /// first segment where they differ in kind, `other` has the literal.
    func isLessSpecific(than other: RouteTemplate) -> Bool {
        for (mine, theirs) in zip(segments, other.segments) {
            switch (mine, theirs) {
            case (.parameter, .literal): return true
            case (.literal, .parameter): return false
            default: continue
            }
        }
        return false
    }

    /// The values of the parameters in matching `path` segments, each validated.
    ///
    /// - Throws: 400 `BAD_REQUEST` naming the first parameter whose value is not an identifier
    ///   (`Identifier`: 1 to 128 bytes of `A–Z a–z 0–9 . _ : -`).
    func parameters(in path: [String]) throws(APIError) -> PathParameters {
        var values: [String: String] = [:]
        for (segment, value) in zip(segments, path) {
            guard case .parameter(let name) = segment else { continue }
            guard Identifier.isValid(value) else {
                let problem = Identifier.requirement(maximumBytes: Identifier.maximumBytes)
                throw .badRequest(
                    "Path parameter '\(name)' \(problem).",
                    details: [APIError.Detail(field: name, message: problem)]
                )
            }
            values[name] = value
        }
        return PathParameters(values)
    }
}
