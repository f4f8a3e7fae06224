import FoundationEssentials

/// An HTTP request as API Gateway hands it to a function, whichever payload format it came in.
///
/// Decodes both the HTTP API payload format 2.0
/// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html)
/// and the REST API (or HTTP API 1.0) Lambda proxy format
/// (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format)
/// into the same value, so handlers never look at the event shape. Fields API Gateway may leave
/// out or send as `null` read as empty or `nil`.
public struct HTTPRequestEvent: Sendable, Hashable {
    /// The payload format an event came in.
    public enum PayloadVersion: String, Sendable, Hashable {
        /// REST API proxy integration, or HTTP API payload format 1.0.
        case v1 = "1.0"
        /// HTTP API payload format 2.0.
        case v2 = "2.0"
    }

    /// The payload format the event came in.
    public var payloadVersion: PayloadVersion
    /// The request method.
    public var method: HTTPMethod
    /// The request path without the stage, e.g. `/sessions/s-1/answer`: an HTTP API's `rawPath`
    /// (percent-encoded as the client sent it) or a REST API's `path`. `Router` decodes its
    /// segments when matching.
    public var path: String
    /// The path parameters API Gateway extracted for its own route, if it has any (`{proxy+}`
    /// routes, or routes declared with parameters).
    public var pathParameters: [String: String]
    /// The query string parameters.
    public var query: QueryParameters
    /// The request headers, looked up by name in any case.
    public var headers: HTTPHeaders
    /// The request's cookies, each as `name=value`.
    public var cookies: [String]
    /// The body's bytes, already base64-decoded when API Gateway encoded them; empty when none.
    public var body: Data
    /// API Gateway's id of this request (`requestContext.requestId`); empty when the event has none.
    public var requestId: String
    /// The client's IP address as API Gateway saw it.
    public var sourceIP: String?
    /// The client's `User-Agent`.
    public var userAgent: String?
    /// The API stage, e.g. `$default` or `prod`.
    public var stage: String?
    /// API Gateway's route key, e.g. `POST /sessions/{sessionId}/answer`, when the event has one.
    public var routeKey: String?
    /// The verified JWT claims of the caller, each value as text; empty when there are none.
    public var claims: [String: String]

    /// A request; every field but the method and path has a default, so tests and the local
    /// runner can build one directly.
    public init(
        payloadVersion: PayloadVersion = .v2,
        method: HTTPMethod,
        path: String,
        pathParameters: [String: String] = [:],
        query: QueryParameters = [:],
        headers: HTTPHeaders = [:],
        cookies: [String] = [],
        body: Data = Data(),
        requestId: String = "",
        sourceIP: String? = nil,
        userAgent: String? = nil,
        stage: String? = nil,
        routeKey: String? = nil,
        claims: [String: String] = [:]
    ) {
        self.payloadVersion = payloadVersion
        self.method = method
        self.path = path
        self.pathParameters = pathParameters
        self.query = query
        self.headers = headers
        self.cookies = cookies
        self.body = body
        self.requestId = requestId
        self.sourceIP = sourceIP
        self.userAgent = userAgent
        self.stage = stage
        self.routeKey = routeKey
        self.claims = claims
    }

    /// Decodes an API Gateway proxy event of either payload format from its JSON.
    ///
    /// - Throws: `DecodingError` when the JSON is not an event of either format.
    public init(json: Data) throws {
        // The common case without `JSONDecoder` (see `FastObject`); anything else as before.
        let fast = json.withUnsafeBytes { bytes in
            FastObject.parse(bytes).flatMap(HTTPRequestEvent.init(fastJSON:))
        }
        self = try fast ?? JSONCoding.decoder.decode(HTTPRequestEvent.self, from: json)
    }

    // MARK: - Caller

    /// The authenticated caller, or `nil` when the event carries no claims or no `sub` claim.
    public var caller: Caller? {
        Caller(claims: claims)
    }

    /// The authenticated caller.
    ///
    /// - Throws: 401 `UNAUTHENTICATED` when there is none: a deployed handler refuses an event
    ///   without claims (docs/http-contract.md#identity-and-isolation).
    public func requireCaller() throws(APIError) -> Caller {
        guard let caller else { throw .unauthenticated() }
        return caller
    }
}

// MARK: - Method

/// An HTTP request method, such as `GET` or `POST`.
///
/// A struct rather than a closed enum because API Gateway forwards whatever method the client
/// sent (WebDAV verbs included) and the router must still answer it, with 405. Methods are
/// case-sensitive on the wire (RFC 9110 §9.1) and API Gateway sends them in upper case; the
/// spelling is normalised anyway so that a hand-written event file saying `"get"` still works.
public struct HTTPMethod: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The method's name in upper case, as it appears on the request line.
    public let rawValue: String

    /// A method from its name, in any case.
    public init(rawValue: String) {
        self.rawValue = rawValue.uppercased()
    }

    /// A method from a literal such as `"PATCH"`.
    public init(stringLiteral value: String) {
        self.init(rawValue: value)
    }

    public var description: String { rawValue }

    /// Methods order by name, so an `Allow` header lists them the same way every time.
    public static func < (lhs: HTTPMethod, rhs: HTTPMethod) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    // MARK: - Common methods

    /// `GET`: read a resource.
    public static let get = HTTPMethod(rawValue: "GET")
    /// `POST`: create a resource or perform an action.
    public static let post = HTTPMethod(rawValue: "POST")
    /// `PUT`: replace a resource.
    public static let put = HTTPMethod(rawValue: "PUT")
    /// `PATCH`: change part of a resource.
    public static let patch = HTTPMethod(rawValue: "PATCH")
    /// `DELETE`: remove a resource.
    public static let delete = HTTPMethod(rawValue: "DELETE")
    /// `HEAD`: a `GET` without the body.
    public static let head = HTTPMethod(rawValue: "HEAD")
    /// `OPTIONS`: what the resource supports (CORS preflight).
    public static let options = HTTPMethod(rawValue: "OPTIONS")
}
