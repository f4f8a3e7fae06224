import FoundationEssentials

extension HTTPRequestEvent: Decodable {
    private enum FormatKeys: String, CodingKey {
        case version, httpMethod
    }

    /// Decodes an event of either payload format.
    ///
    /// The format is told apart the way API Gateway documents it: payload format 2.0 says
    /// `"version": "2.0"`; a REST API proxy event (and an HTTP API 1.0 event, whose `version` is
    /// `"1.0"`) has a top-level `httpMethod`, which 2.0 moved into `requestContext.http`.
    ///
    /// - Throws: `DecodingError.dataCorrupted` naming both formats when the JSON is neither, and
    ///   the usual `DecodingError`s when a required field (the method) is missing or mistyped.
    public init(from decoder: any Decoder) throws {
        let keys = try decoder.container(keyedBy: FormatKeys.self)
        let version = try? keys.decodeIfPresent(String.self, forKey: .version)
        if let version, version.hasPrefix("2.") {
            try self.init(HTTPAPIEvent(from: decoder))
        } else if keys.contains(.httpMethod) {
            try self.init(RESTAPIEvent(from: decoder))
        } else {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: decoder.codingPath,
                debugDescription: #"Not an API Gateway proxy event: expected "version": "2.0" "#
                    + #"(HTTP API payload format 2.0) or "httpMethod" (REST API proxy integration)."#
            ))
        }
    }

    // MARK: - Payload format 2.0

    private init(_ event: HTTPAPIEvent) throws {
        let context = event.requestContext
        let headers = HTTPHeaders((event.headers ?? [:]).map { ($0.key, $0.value) })
        let query: QueryParameters
        if let raw = event.rawQueryString, !raw.isEmpty {
            query = QueryParameters(rawQueryString: raw)
        } else {
            query = QueryParameters((event.queryStringParameters ?? [:]).mapValues { [$0] })
        }
        self.init(
            payloadVersion: .v2,
            method: HTTPMethod(rawValue: context.http.method),
            path: Self.removingStage(context.stage, from: event.rawPath ?? context.http.path ?? "/"),
            pathParameters: event.pathParameters ?? [:],
            query: query,
            headers: headers,
            cookies: event.cookies ?? [],
            body: try Self.bodyBytes(event.body, isBase64Encoded: event.isBase64Encoded ?? false),
            requestId: context.requestId ?? "",
            sourceIP: context.http.sourceIp,
            userAgent: context.http.userAgent ?? headers["user-agent"],
            stage: context.stage,
            routeKey: event.routeKey ?? context.routeKey,
            claims: ClaimValue.texts(context.authorizer?.jwt?.claims)
        )
    }

    /// The path without the stage name that an HTTP API puts in front of `rawPath` when the
    /// request came through the default execute-api endpoint of a named stage
    /// (`/prod/sessions` for stage `prod`). The `$default` stage and custom domain mappings add
    /// nothing, so nothing is removed then; routes of this API never begin with a stage name.
    static func removingStage(_ stage: String?, from path: String) -> String {
        guard let stage, !stage.isEmpty, stage != "$default" else { return path }
        let prefix = "/" + stage
        if path == prefix { return "/" }
        if path.hasPrefix(prefix + "/") { return String(path.dropFirst(prefix.count)) }
        return path
    }

    // MARK: - REST API proxy format (1.0)

    private init(_ event: RESTAPIEvent) throws {
        let context = event.requestContext
        var headers = HTTPHeaders()
        // multiValueHeaders holds every value of a repeated header, `headers` only the last one
        // (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#apigateway-multivalue-headers-and-parameters).
        if let multiValue = event.multiValueHeaders, !multiValue.isEmpty {
            for (name, values) in multiValue.sorted(by: { $0.key < $1.key }) {
                values.forEach { headers.add(name, $0) }
            }
        } else {
            headers = HTTPHeaders((event.headers ?? [:]).map { ($0.key, $0.value) })
        }
        let query: QueryParameters
        if let multiValue = event.multiValueQueryStringParameters, !multiValue.isEmpty {
            query = QueryParameters(multiValue)
        } else {
            query = QueryParameters((event.queryStringParameters ?? [:]).mapValues { [$0] })
        }
        // A REST API leaves cookies in the Cookie header; move them to `cookies` as payload
        // format 2.0 does, so that both formats give the same request. Commas separate the values
        // of repeated Cookie headers (HTTP/2 sends one per cookie) and cannot occur in a cookie
        // (RFC 6265 §4.1.1).
        let cookies = (headers["cookie"] ?? "").split(whereSeparator: { $0 == ";" || $0 == "," })
            .map { $0.trimmingASCIIWhitespace() }
        headers["cookie"] = nil
        let claims = context?.authorizer?.claims ?? context?.authorizer?.jwt?.claims
        self.init(
            payloadVersion: .v1,
            method: HTTPMethod(rawValue: event.httpMethod),
            path: event.path ?? "/",
            pathParameters: event.pathParameters ?? [:],
            query: query,
            headers: headers,
            cookies: cookies.filter { !$0.isEmpty },
            body: try Self.bodyBytes(event.body, isBase64Encoded: event.isBase64Encoded ?? false),
            requestId: context?.requestId ?? "",
            sourceIP: context?.identity?.sourceIp,
            userAgent: context?.identity?.userAgent ?? headers["user-agent"],
            stage: context?.stage,
            routeKey: context?.routeKey,
            claims: ClaimValue.texts(claims)
        )
    }

    // MARK: - Body

    private static func bodyBytes(_ body: String?, isBase64Encoded: Bool) throws -> Data {
        guard let body else { return Data() }
        guard isBase64Encoded else { return Data(body.utf8) }
        guard let bytes = Data(base64Encoded: body) else {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: [], debugDescription: "isBase64Encoded is true but body is not valid base64."
            ))
        }
        return bytes
    }
}

// MARK: - Wire formats

/// The fields of an HTTP API payload format 2.0 event that the handlers use.
private struct HTTPAPIEvent: Decodable {
    struct Context: Decodable {
        struct HTTP: Decodable {
            var method: String
            var path: String?
            var sourceIp: String?
            var userAgent: String?
        }

        var requestId: String?
        var stage: String?
        var routeKey: String?
        var http: HTTP
        var authorizer: Authorizer?
    }

    var routeKey: String?
    var rawPath: String?
    var rawQueryString: String?
    var cookies: [String]?
    var headers: [String: String]?
    var queryStringParameters: [String: String]?
    var pathParameters: [String: String]?
    var body: String?
    var isBase64Encoded: Bool?
    var requestContext: Context
}

/// The fields of a REST API Lambda proxy event that the handlers use.
private struct RESTAPIEvent: Decodable {
    struct Context: Decodable {
        struct Identity: Decodable {
            var sourceIp: String?
            var userAgent: String?
        }

        var requestId: String?
        var stage: String?
        var routeKey: String?
        var identity: Identity?
        var authorizer: Authorizer?
    }

    var httpMethod: String
    var path: String?
    var headers: [String: String]?
    var multiValueHeaders: [String: [String]]?
    var queryStringParameters: [String: String]?
    var multiValueQueryStringParameters: [String: [String]]?
    var pathParameters: [String: String]?
    var body: String?
    var isBase64Encoded: Bool?
    var requestContext: Context?
}

/// `requestContext.authorizer`: a JWT authorizer of an HTTP API puts the claims under `jwt`
/// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html),
/// a Cognito user pool authorizer of a REST API directly under `claims`
/// (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-integrate-with-cognito.html).
/// Any other keys (a Lambda authorizer's context) are ignored.
private struct Authorizer: Decodable {
    struct JWT: Decodable {
        var claims: [String: ClaimValue]?
    }

    var jwt: JWT?
    var claims: [String: ClaimValue]?
}
