import NIOCore
import NIOHTTP1
import QuizHTTP

/// A response as the gateway writes it: a status, header fields and the body's bytes.
///
/// Everything the gateway answers becomes one: a function's proxy response (its text or base64
/// body decoded here), the gateway's own errors, and the web app's files, whose bytes go out as
/// they are on disk (a `ByteBuffer` shared by every request, never a `String`).
struct ServeResponse: Sendable {
    /// The status.
    var status: HTTPResponseStatus
    /// The header fields, without `content-length` (the writer sets it from the body).
    var headers: NIOHTTP1.HTTPHeaders
    /// The body's bytes. For a `HEAD` request or a 304 they are not sent, only counted
    /// (``bodyIsOmitted(for:)``).
    var body: ByteBuffer

    init(status: HTTPResponseStatus, headers: NIOHTTP1.HTTPHeaders, body: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A function's proxy response, or the gateway's own error document: the headers that can
    /// be sent as they are (``ProxyResponse/headers(of:)``), the body decoded from base64 when
    /// `isBase64Encoded`.
    init(_ proxy: HTTPResponseEvent) {
        self.init(
            status: HTTPResponseStatus(statusCode: proxy.statusCode), headers: ProxyResponse.headers(of: proxy),
            body: ProxyResponse.body(of: proxy, allocator: Self.allocator))
    }

    /// Whether the body is left out of the message for a request with `method`: after `HEAD`,
    /// where `content-length` still says how long the body of a 200 would be (RFC 9110 §9.3.2),
    /// and in a 304 (§15.4.5; NIO's encoder then drops `content-length`, as a 304 may).
    func bodyIsOmitted(for method: NIOHTTP1.HTTPMethod) -> Bool {
        method == .HEAD || status == .notModified
    }

    private static let allocator = ByteBufferAllocator()
}
