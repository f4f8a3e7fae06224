import FoundationEssentials
import StrictJSON

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

    /// Reads an event of payload format 2.0 whose fields all have their documented types from a
    /// parsed document, as `init(from:)` would, without `JSONDecoder`; `nil` for anything else
    /// (another format, a field of another type, a name given twice), which `init(from:)` then
    /// decodes, reporting errors as it always has.
    init?(fastJSON json: JSONValue) {
        guard case .string(let version)? = json["version"], version.hasPrefix("2."),
            let event = HTTPAPIEvent(fast: FastObject(json))
        else { return nil }
        do {
            try self.init(event)
        } catch {
            return nil
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

extension HTTPAPIEvent {
    /// The event from a parsed document, with the rules of the synthesized `Decodable`
    /// conformance: an optional field may be absent or `null`; anything of another type gives up.
    init?(fast event: FastObject) {
        do throws(FastObject.Miss) {
            guard let context = try event.object("requestContext"), let http = try context.object("http"),
                let method = try http.string("method")
            else { return nil }
            var authorizer: Authorizer?
            if let section = try context.object("authorizer") {
                authorizer = Authorizer(
                    jwt: try section.object("jwt").map { jwt throws(FastObject.Miss) in Authorizer.JWT(claims: try jwt.claims("claims")) },
                    claims: try section.claims("claims"))
            }
            self.init(
                routeKey: try event.string("routeKey"), rawPath: try event.string("rawPath"),
                rawQueryString: try event.string("rawQueryString"), cookies: try event.strings("cookies"),
                headers: try event.stringMap("headers"), queryStringParameters: try event.stringMap("queryStringParameters"),
                pathParameters: try event.stringMap("pathParameters"), body: try event.string("body"),
                isBase64Encoded: try event.bool("isBase64Encoded"),
                requestContext: Context(
                    requestId: try context.string("requestId"), stage: try context.string("stage"),
                    routeKey: try context.string("routeKey"),
                    http: Context.HTTP(
                        method: method, path: try http.string("path"), sourceIp: try http.string("sourceIp"),
                        userAgent: try http.string("userAgent")),
                    authorizer: authorizer))
        } catch {
            return nil
        }
    }
}

/// Typed reads of one object of a parsed document for the fast decoding paths: a member that is
/// absent or `null` reads as `nil`, one of another type throws `Miss`, and the caller gives up and
/// lets `JSONDecoder` decide.
public struct FastObject {
    /// The document is not of the expected shape.
    public struct Miss: Error {}

    /// How the fast paths parse: strictly, at most 64 levels deep, and refusing repeated member
    /// names, which `JSONDecoder` then judges as it always has (a fast path never picks one).
    static let parsing = JSONParser.Options(maximumDepth: 64, duplicateNames: .reject)

    /// The document in `bytes`, or `nil` when it is not JSON the fast paths read.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> JSONValue? {
        try? JSONParser.parse(bytes.bindMemory(to: UInt8.self), options: parsing)
    }

    /// The object (or, for a caller that guessed wrong, any other value: every read then misses).
    public let element: JSONValue

    /// Reads of `element`.
    public init(_ element: JSONValue) {
        self.element = element
    }

    /// Member `name`; `nil` when absent or `null`.
    public func member(_ name: String) throws(Miss) -> JSONValue? {
        guard case .object(let members) = element else { throw Miss() }
        guard let member = members[name], !member.isNull else { return nil }
        return member
    }

    /// A string member.
    public func string(_ name: String) throws(Miss) -> String? {
        guard let value = try member(name) else { return nil }
        guard case .string(let text) = value else { throw Miss() }
        return text
    }

    /// A boolean member.
    public func bool(_ name: String) throws(Miss) -> Bool? {
        guard let value = try member(name) else { return nil }
        guard case .bool(let flag) = value else { throw Miss() }
        return flag
    }

    /// An integer member, written as a plain integer.
    public func integer(_ name: String) throws(Miss) -> Int? {
        guard let value = try member(name) else { return nil }
        guard let number = value.integerValue, let integer = Int(exactly: number) else { throw Miss() }
        return integer
    }

    /// An array of strings.
    public func strings(_ name: String) throws(Miss) -> [String]? {
        guard let value = try member(name) else { return nil }
        guard case .array(let elements) = value else { throw Miss() }
        return try elements.map { element throws(Miss) in
            guard case .string(let text) = element else { throw Miss() }
            return text
        }
    }

    /// An object member.
    public func object(_ name: String) throws(Miss) -> FastObject? {
        guard let value = try member(name) else { return nil }
        guard case .object = value else { throw Miss() }
        return FastObject(value)
    }

    /// An object of strings, as `[String: String]`.
    public func stringMap(_ name: String) throws(Miss) -> [String: String]? {
        guard let value = try member(name) else { return nil }
        guard case .object(let members) = value else { throw Miss() }
        var map: [String: String] = [:]
        map.reserveCapacity(members.count)
        for (key, member) in members {
            guard case .string(let text) = member, map.updateValue(text, forKey: key) == nil else { throw Miss() }
        }
        return map
    }

    /// JWT claims whose values are strings or booleans, the forms API Gateway's authorizers send.
    func claims(_ name: String) throws(Miss) -> [String: ClaimValue]? {
        guard let value = try member(name) else { return nil }
        guard case .object(let members) = value else { throw Miss() }
        var claims: [String: ClaimValue] = [:]
        claims.reserveCapacity(members.count)
        for (key, member) in members {
            let text: String
            switch member {
            case .string(let value): text = value
            case .bool(let flag): text = flag ? "true" : "false"
            default: throw Miss()
            }
            guard claims.updateValue(ClaimValue(text: text), forKey: key) == nil else { throw Miss() }
        }
        return claims
    }
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
