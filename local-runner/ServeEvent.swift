import Foundation
import NIOCore
import NIOHTTP1
import QuizHTTP

#if canImport(Glibc)
import Glibc
#endif

/// The HTTP API payload 2.0 event API Gateway would send a function for a request
/// ([payload format](https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html)),
/// written in one pass from the request's parts into the event's bytes.
///
/// It carries the caller's verified claims, not their token: the `Authorization` header stays
/// with the gateway. API Gateway itself forwards every request header, `authorization`
/// included, but the functions never read it and trust only the claims, so a local worker has
/// no use for the bearer token, and a worker's log or crash cannot leak it
/// (docs/local-runner.md, "What a worker receives").
enum ServeEvent {
    /// What the event is made of besides the request itself.
    struct Context {
        var routeKey: String
        var pathParameters: [String: String]
        var claims: [String: String]
        var requestID: String
        /// The request time, in epoch milliseconds.
        var time: Int64
    }

    /// A lower bound of the size of the event `head` and `body` make, when it passes `limit`,
    /// found before anything is encoded: the body's encoded size (its JSON-escaped text, or
    /// base64 when it is not UTF-8) plus the other fields. `nil` when the event fits.
    ///
    /// A body of control bytes grows six-fold once escaped (`\u0001`): 3 MB of them would make
    /// an 18 MB event, which is refused here without being built, and without reading more of
    /// the body than it takes to know.
    static func sizeIfOver(_ limit: Int, body: ByteBuffer, head: HTTPRequestHead) -> Int? {
        let fields = 2048 + head.uri.utf8.count * 3 + head.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 8 }
        guard body.readableBytes * 6 + fields > limit else { return nil }
        let base64 = (body.readableBytes + 2) / 3 * 4 + fields
        return body.withUnsafeReadableBytes { bytes -> Int? in
            var escaped = fields
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x08, 0x09, 0x0A, 0x0C, 0x0D: escaped += 2
                case 0x00..<0x20: escaped += 6
                default: escaped += 1
                }
                // Over as text, and over as base64 too: over whatever the bytes are.
                if escaped > limit, base64 > limit { return escaped }
            }
            let size = isUTF8(bytes) ? escaped : base64
            return size > limit ? size : nil
        }
    }

    /// Whether `bytes` are valid UTF-8, checked without making a string of them.
    static func isUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// The event's bytes. Members are written in sorted order, as `JSONCoding.encoder` writes
    /// the same event (`HTTPRequestEvent.httpAPIEvent`), which `generate-event` prints.
    static func make(_ head: HTTPRequestHead, body: ByteBuffer, context: Context) -> [UInt8] {
        // Headers as API Gateway sends them: names lower-cased, repeats joined with commas;
        // cookies in their own array; no Authorization.
        var headers: [String: String] = [:]
        var cookies: [String] = []
        for (field, value) in head.headers {
            let name = field.lowercased()
            switch name {
            case "authorization":
                continue
            case "cookie":
                cookies += value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            default:
                headers[name] = headers[name].map { "\($0),\(value)" } ?? value
            }
        }
        let (path, rawQuery) = ServeGateway.split(head.uri)
        let query = rawQuery.isEmpty ? QueryParameters() : QueryParameters(rawQueryString: rawQuery)
        let text = body.readableBytes == 0 ? nil : body.withUnsafeReadableBytes { String(validating: $0, as: UTF8.self) }

        var json = JSONBodyWriter(capacity: 1536 + body.readableBytes + body.readableBytes / 8)
        json.beginObject()
        if body.readableBytes > 0 {
            json.key("body")
            json.string(text ?? Data(body.readableBytesView).base64EncodedString())
        }
        if !cookies.isEmpty {
            json.key("cookies")
            json.strings(cookies)
        }
        json.key("headers")
        json.object(headers)
        json.key("isBase64Encoded")
        json.bool(body.readableBytes > 0 && text == nil)
        if !context.pathParameters.isEmpty {
            json.key("pathParameters")
            json.object(context.pathParameters)
        }
        if !query.isEmpty {
            json.key("queryStringParameters")
            json.object(Dictionary(uniqueKeysWithValues: query.names.map { ($0, query.values(for: $0).joined(separator: ",")) }))
        }
        json.key("rawPath")
        json.string(path)
        json.key("rawQueryString")
        json.string(rawQuery)
        json.key("requestContext")
        json.beginObject()
        json.key("accountId")
        json.string("000000000000")
        json.key("apiId")
        json.string("local")
        if !context.claims.isEmpty {
            json.key("authorizer")
            json.beginObject()
            json.key("jwt")
            json.beginObject()
            json.key("claims")
            json.object(context.claims)
            json.endObject()
            json.endObject()
        }
        json.key("domainName")
        json.string(headers["host"] ?? "localhost")
        json.key("domainPrefix")
        json.string("localhost")
        json.key("http")
        json.beginObject()
        json.key("method")
        json.string(head.method.rawValue)
        json.key("path")
        json.string(path)
        json.key("protocol")
        json.string("HTTP/1.1")
        json.key("sourceIp")
        json.string("127.0.0.1")
        json.key("userAgent")
        json.string(headers["user-agent"] ?? "")
        json.endObject()
        json.key("requestId")
        json.string(context.requestID)
        json.key("routeKey")
        json.string(context.routeKey)
        json.key("stage")
        json.string("$default")
        json.key("time")
        json.string(commonLogTime(context.time))
        json.key("timeEpoch")
        json.int(Int(context.time))
        json.endObject()
        json.key("routeKey")
        json.string(context.routeKey)
        json.key("version")
        json.string("2.0")
        json.endObject()
        return json.bytes
    }

    /// API Gateway's `requestContext.time`, e.g. `22/Nov/2026:02:10:03 +0000`, in UTC.
    static func commonLogTime(_ milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var text = [CChar](repeating: 0, count: 32)
        let count = strftime(&text, text.count, "%d/%b/%Y:%H:%M:%S +0000", &parts)
        return String(decoding: text.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension JSONBodyWriter {
    /// An object of string members, in sorted order.
    fileprivate mutating func object(_ members: [String: String]) {
        beginObject()
        for (name, value) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            key(name)
            string(value)
        }
        endObject()
    }
}
