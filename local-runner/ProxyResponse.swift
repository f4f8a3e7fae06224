import Foundation
import NIOCore
import NIOHTTP1
import QuizHTTP
import StrictJSON

/// A function's API Gateway proxy response, read from a worker's answer and turned into the
/// HTTP response the client gets
/// ([payload format](https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html#http-api-develop-integrations-lambda.response)).
enum ProxyResponse {
    private static let decoder = JSONDecoder()

    /// The proxy response in `document`; `nil` when it is not one: not JSON, no status in
    /// 100...599, or a base64 body that does not decode.
    ///
    /// Read with the strict parser (`StrictJSON`) first, as the functions read their events;
    /// a document of an unusual shape (a status written as `200.0`, say) goes to `JSONDecoder`,
    /// which decides.
    static func decode(_ document: Data) -> HTTPResponseEvent? {
        let parsed = document.withUnsafeBytes { bytes in
            try? JSONParser.parse(bytes.bindMemory(to: UInt8.self), options: JSONParser.Options(maximumDepth: 64))
        }
        let fast = parsed.flatMap(response(in:))
        guard let response = fast ?? (try? decoder.decode(HTTPResponseEvent.self, from: document)),
            (100...599).contains(response.statusCode), !response.isBase64Encoded || Data(base64Encoded: response.body) != nil
        else { return nil }
        return response
    }

    /// The response a parsed document describes, `nil` for anything unusual.
    private static func response(in json: JSONValue) -> HTTPResponseEvent? {
        guard let object = json.objectValue, let code = object["statusCode"]?.integerValue.flatMap({ Int(exactly: $0) }) else {
            return nil
        }
        var headers = HTTPHeaders()
        switch object["headers"] {
        case nil, .null?: break
        case .object(let members)?:
            for (name, value) in members {
                guard let text = value.stringValue else { return nil }
                headers.add(name, text)
            }
        default: return nil
        }
        let body: String
        switch object["body"] {
        case nil, .null?: body = ""
        case .string(let text)?: body = text
        default: return nil
        }
        let isBase64Encoded: Bool
        switch object["isBase64Encoded"] {
        case nil, .null?: isBase64Encoded = false
        case .bool(let flag)?: isBase64Encoded = flag
        default: return nil
        }
        return HTTPResponseEvent(statusCode: code, headers: headers, body: body, isBase64Encoded: isBase64Encoded)
    }

    /// The headers the client gets for `proxy`: the function's, less those that frame the
    /// body (the server computes the length of the body it actually sends) and any that could
    /// not be sent as they are (a name that is no token, a value with a line break).
    static func headers(of proxy: HTTPResponseEvent) -> NIOHTTP1.HTTPHeaders {
        var headers = NIOHTTP1.HTTPHeaders()
        for (name, value) in proxy.headers.dictionary {
            let lower = name.lowercased()
            guard lower != "content-length", lower != "transfer-encoding", lower != "connection", isToken(name),
                !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 })
            else { continue }
            headers.add(name: name, value: value)
        }
        return headers
    }

    /// The body the client gets for `proxy`: base64-decoded when `isBase64Encoded` (``decode(_:)``
    /// has checked that it decodes).
    static func body(of proxy: HTTPResponseEvent, allocator: ByteBufferAllocator) -> ByteBuffer {
        guard proxy.isBase64Encoded else { return allocator.buffer(string: proxy.body) }
        let bytes = Data(base64Encoded: proxy.body) ?? Data()
        var buffer = allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return buffer
    }

    /// Whether `name` is an HTTP token (RFC 9110 §5.6.2), as a field name must be.
    static func isToken(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default:
                    "!#$%&'*+-.^_`|~".utf8.contains(byte)
                }
            }
    }
}
