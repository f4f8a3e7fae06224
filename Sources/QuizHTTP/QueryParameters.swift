import ByteCoding

/// The query string parameters of a request; a name may carry several values.
///
/// Built from an HTTP API event's `rawQueryString` when there is one, because its
/// `queryStringParameters` joins repeated names with commas and so cannot tell `tag=a&tag=b` from
/// `tag=a,b`; from a REST API event's `multiValueQueryStringParameters` otherwise
/// (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html).
public struct QueryParameters: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    private var values: [String: [String]]

    /// No parameters.
    public init() {
        values = [:]
    }

    /// Parameters from names to their values, in the order they were given.
    public init(_ values: [String: [String]]) {
        self.values = values.filter { !$0.value.isEmpty }
    }

    /// Parameters from a literal such as `["limit": "10"]`, one value per name.
    public init(dictionaryLiteral elements: (String, String)...) {
        values = [:]
        for (name, value) in elements {
            values[name, default: []].append(value)
        }
    }

    /// Parses a raw query string such as `category=linear%20algebra&limit=10`.
    ///
    /// Follows the `application/x-www-form-urlencoded` rules browsers use: pairs split on `&`,
    /// `+` is a space, and `%XX` escapes are decoded as UTF-8. A name without `=` has the empty
    /// value; an escape that does not decode leaves the text as it was sent rather than failing
    /// the whole request (API Gateway is as lenient).
    public init(rawQueryString: String) {
        values = [:]
        for pair in rawQueryString.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.formDecode(parts[0])
            guard !name.isEmpty else { continue }
            let value = parts.count > 1 ? Self.formDecode(parts[1]) : ""
            values[name, default: []].append(value)
        }
    }

    /// The first value of `name`; `nil` when the parameter is absent.
    public subscript(name: String) -> String? {
        values[name]?.first
    }

    /// Every value of `name`, in order; empty when the parameter is absent.
    public func values(for name: String) -> [String] {
        values[name] ?? []
    }

    /// The parameter names, sorted.
    public var names: [String] { values.keys.sorted() }

    /// Whether there are no parameters.
    public var isEmpty: Bool { values.isEmpty }

    private static func formDecode(_ text: Substring) -> String {
        let spaced = String(text).replacing("+", with: " ")
        return PercentEncoding.decode(spaced) ?? spaced
    }
}

// MARK: - Typed parameters

extension QueryParameters {
    /// The single value of `name`, or `nil` when absent.
    ///
    /// A parameter given twice is refused with 400 `BAD_REQUEST` instead of silently picking one:
    /// a proxy and this code could otherwise disagree on which value counts (HTTP parameter
    /// pollution).
    public func single(_ name: String) throws(APIError) -> String? {
        let given = values(for: name)
        guard given.count <= 1 else {
            throw Self.badParameter(name, "must be given at most once")
        }
        return given.first
    }

    /// The single value of `name` as an integer within `range`, or `nil` when absent.
    ///
    /// Anything else (not a whole number, out of range, given twice) is 400 `BAD_REQUEST` with a
    /// detail naming the parameter, e.g. `{"field": "limit", "message": "must be an integer from
    /// 1 to 100"}`. Query parameters are part of the request line, so a bad one makes the request
    /// itself malformed; 422 is kept for bodies whose JSON is well-formed but invalid.
    public func int(_ name: String, in range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let text = try single(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw Self.badParameter(name, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    private static func badParameter(_ name: String, _ problem: String) -> APIError {
        APIError.badRequest(
            "Query parameter '\(name)' \(problem).",
            details: [APIError.Detail(field: name, message: problem)]
        )
    }
}
