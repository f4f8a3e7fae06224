import FoundationEssentials

/// The response a handler returns to API Gateway: a Lambda proxy integration response.
///
/// Encodes as `{"statusCode": 200, "headers": {…}, "body": "…", "isBase64Encoded": false}`, the
/// shape both REST APIs
/// (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-output-format)
/// and HTTP APIs with payload format 2.0
/// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html#http-api-develop-integrations-lambda.response)
/// accept. Always spelling out `statusCode` keeps an HTTP API from guessing: given a body that
/// merely looks like JSON, it would otherwise send that body itself with status 200.
public struct HTTPResponseEvent: Sendable, Hashable, Codable {
    /// The HTTP status code.
    public var statusCode: Int
    /// The response headers.
    public var headers: HTTPHeaders
    /// The body text; empty for no body.
    public var body: String
    /// Whether `body` is base64 text of binary content; always `false` for this API's JSON.
    public var isBase64Encoded: Bool

    /// A response.
    public init(statusCode: Int, headers: HTTPHeaders = [:], body: String = "", isBase64Encoded: Bool = false) {
        self.statusCode = statusCode
        self.headers = headers
        self.body = body
        self.isBase64Encoded = isBase64Encoded
    }

    /// A response whose body is `value` as JSON, with `content-type: application/json`.
    ///
    /// Keys are sorted so that equal values give byte-identical bodies, which stored idempotent
    /// responses and tests both rely on. An encoding failure is a defect in the value's type, not
    /// in the request, so it surfaces as 500 `INTERNAL` with the cause kept for the logs only.
    public static func json(
        _ statusCode: Int, _ value: some Encodable, headers: HTTPHeaders = [:]
    ) throws(APIError) -> HTTPResponseEvent {
        try encoded(statusCode, value, headers: headers)
    }

    static func encoded(_ statusCode: Int, _ value: some Encodable, headers: HTTPHeaders) throws(APIError) -> HTTPResponseEvent {
        let data: Data
        do {
            data = try JSONCoding.encoder.encode(value)
        } catch {
            throw APIError.internal(underlying: error)
        }
        var allHeaders = headers
        allHeaders["content-type"] = "application/json"
        return HTTPResponseEvent(statusCode: statusCode, headers: allHeaders, body: String(decoding: data, as: UTF8.self))
    }

    /// 204 No Content, with no body.
    public static func noContent(headers: HTTPHeaders = [:]) -> HTTPResponseEvent {
        HTTPResponseEvent(statusCode: 204, headers: headers)
    }

    /// The response as the JSON document a function returns to the Lambda Runtime API: the
    /// bytes `JSONCoding.encoder` makes of it, written directly (every invocation returns one).
    public func jsonData() throws -> Data {
        var writer = JSONBodyWriter(capacity: body.utf8.count + 256)
        writeJSON(to: &writer)
        return Data(writer.bytes)
    }

    // MARK: - Codable

    private enum CodingKeys: String, CodingKey {
        case statusCode, headers, body, isBase64Encoded
    }

    /// Decodes a proxy response, as the local runner reads a function's output; `headers`, `body`
    /// and `isBase64Encoded` may be absent or `null`, as API Gateway allows.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        statusCode = try container.decode(Int.self, forKey: .statusCode)
        headers = try container.decodeIfPresent(HTTPHeaders.self, forKey: .headers) ?? [:]
        body = try container.decodeIfPresent(String.self, forKey: .body) ?? ""
        isBase64Encoded = try container.decodeIfPresent(Bool.self, forKey: .isBase64Encoded) ?? false
    }

    /// Encodes every field, `isBase64Encoded: false` included.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(statusCode, forKey: .statusCode)
        try container.encode(headers, forKey: .headers)
        try container.encode(body, forKey: .body)
        try container.encode(isBase64Encoded, forKey: .isBase64Encoded)
    }
}

// MARK: - Shared coders

/// The JSON coders of the HTTP edge, configured once.
///
/// `JSONEncoder` and `JSONDecoder` are `Sendable` in swift-foundation and safe to share between
/// concurrent invocations; building them once keeps their setup off every request.
enum JSONCoding {
    /// Sorted keys for deterministic bodies; slashes unescaped because `\/` only hurts reading.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// A plain decoder: request bodies of this API carry no dates or special number forms.
    static let decoder = JSONDecoder()
}

extension HTTPResponseEvent: JSONBodyWritable {
    /// `{"body":…,"headers":{…},"isBase64Encoded":…,"statusCode":…}`, header names in sorted order.
    public func writeJSON(to writer: inout JSONBodyWriter) {
        writer.beginObject()
        writer.key("body")
        writer.string(body)
        writer.key("headers")
        writer.beginObject()
        for (name, value) in headers.dictionary.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            writer.key(name)
            writer.string(value)
        }
        writer.endObject()
        writer.key("isBase64Encoded")
        writer.bool(isBase64Encoded)
        writer.key("statusCode")
        writer.int(statusCode)
        writer.endObject()
    }
}
