/// An HTTP request method ([RFC 9110 §9](https://www.rfc-editor.org/rfc/rfc9110#section-9)).
///
/// Any token is allowed, so extension methods need no new case; a value that is not a token
/// (empty, or holding spaces or control characters) makes ``CurlHTTPClient/send(_:)`` fail
/// with ``HTTPClientError/Code/invalidRequest`` before anything is sent.
public struct HTTPMethod: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The method as it appears on the request line, e.g. `"GET"`.
    public var rawValue: String {
        didSet { kind = Kind(rawValue) }
    }
    /// The methods libcurl handles on their own, told apart once: the client asks what a
    /// request's method is several times per request, and comparing names costs a string
    /// comparison each time.
    private(set) var kind: Kind

    /// A method with this name; method names are case-sensitive.
    public init(rawValue: String) {
        self.rawValue = rawValue
        kind = Kind(rawValue)
    }

    /// What the client needs to know of a method.
    enum Kind: Sendable, Hashable {
        case get, head, post, put, patch, other

        init(_ name: String) {
            self =
                switch name {
                case "GET": .get
                case "HEAD": .head
                case "POST": .post
                case "PUT": .put
                case "PATCH": .patch
                default: .other
                }
        }
    }

    /// `GET`.
    public static let get = HTTPMethod(rawValue: "GET")
    /// `HEAD`: the response has headers and no body.
    public static let head = HTTPMethod(rawValue: "HEAD")
    /// `POST`.
    public static let post = HTTPMethod(rawValue: "POST")
    /// `PUT`.
    public static let put = HTTPMethod(rawValue: "PUT")
    /// `PATCH`.
    public static let patch = HTTPMethod(rawValue: "PATCH")
    /// `DELETE`.
    public static let delete = HTTPMethod(rawValue: "DELETE")
    /// `OPTIONS`.
    public static let options = HTTPMethod(rawValue: "OPTIONS")

    /// The method name.
    public var description: String { rawValue }

    /// Whether a request with this method carries a body (and a `Content-Length`) even when
    /// the body is empty: servers may refuse a bodiless `POST`, `PUT` or `PATCH` with 411.
    var alwaysSendsBody: Bool {
        kind == .post || kind == .put || kind == .patch
    }
}

/// One HTTP/1.1 request for ``CurlHTTPClient/send(_:)``.
public struct HTTPRequest: Sendable {
    /// How long a request may take in all, from resolving the host to the last byte of the
    /// response ([CURLOPT_TIMEOUT_MS](https://curl.se/libcurl/c/CURLOPT_TIMEOUT_MS.html)).
    public enum Timeout: Sendable, Hashable {
        /// The client's ``CurlHTTPClient/Configuration/requestTimeout``.
        case configurationDefault
        /// No limit: the request waits for as long as the server takes to answer, as the
        /// Lambda Runtime API's `GET /invocation/next` long poll needs. The connect timeout
        /// still applies.
        case unlimited
        /// At most this long. A limit of zero or less is a deadline already passed: the
        /// request fails with ``HTTPClientError/Code/timeout`` without being sent.
        case after(Duration)
    }

    /// The request method.
    public var method: HTTPMethod
    /// The absolute `http://` or `https://` URL; other schemes are refused.
    public var url: String
    /// Header fields in the order they are sent, duplicates kept.
    ///
    /// An empty value is sent as an empty field. libcurl adds `Host`, `Content-Length` and the
    /// configured `User-Agent`; a field named here replaces the one libcurl would add.
    public var headers: [(name: String, value: String)]
    /// The body bytes; sent for any method but `HEAD` when not empty, and always (possibly
    /// empty, with `Content-Length: 0`) for `POST`, `PUT` and `PATCH`.
    public var body: [UInt8]
    /// The time limit of this request.
    public var timeout: Timeout
    /// Whether the response's header fields and body are kept; when `false` they are read and
    /// dropped (the body still counts against the size limit) and only the status is returned,
    /// which saves their allocations on a hot path that needs nothing else (a Lambda runtime's
    /// posts to the Runtime API).
    public var keepsResponseContent: Bool
    /// The response header fields to keep, by name (compared ignoring case), or `nil` for all
    /// of them. The others are read and dropped without becoming strings, and each kept field
    /// carries its name as spelled here: a caller that reads a few known fields of every
    /// response (the Lambda runtime's `next`) saves two string allocations per other field.
    public var keptResponseHeaders: [String]?

    /// A request; by default a bodiless `GET` with the client's default time limit.
    public init(
        method: HTTPMethod = .get,
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        timeout: Timeout = .configurationDefault,
        keepsResponseContent: Bool = true,
        keptResponseHeaders: [String]? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.keepsResponseContent = keepsResponseContent
        self.keptResponseHeaders = keptResponseHeaders
    }

    /// Whether the body goes on the wire (see ``body``).
    var sendsBody: Bool {
        method.kind != .head && (!body.isEmpty || method.alwaysSendsBody)
    }

    /// Whether a header with this name is among ``headers``, compared case-insensitively.
    func hasHeader(named name: String) -> Bool {
        headers.contains { HTTPHeaderName.equal($0.name, name) }
    }

    // MARK: - Validation

    /// Why libcurl must not see this request, or `nil` when it may.
    ///
    /// libcurl writes header lines as given, so a CR or LF in a field would let a value smuggle
    /// in extra headers or a second request; and C strings end at NUL, which would silently
    /// truncate a URL or value. Messages name the offending header, never its value.
    func validationFailure() -> HTTPClientError? {
        guard HTTPHeaderName.isToken(method.rawValue) else {
            return HTTPClientError(.invalidRequest, "the method is not an RFC 9110 token")
        }
        guard !url.isEmpty, !HTTPHeaderName.containsControlCharacter(url) else {
            return HTTPClientError(.invalidRequest, "the URL is empty or holds control characters")
        }
        for (index, header) in headers.enumerated() {
            guard HTTPHeaderName.isToken(header.name) else {
                return HTTPClientError(.invalidRequest, "the name of header \(index) is not an RFC 9110 token")
            }
            guard !HTTPHeaderName.containsByte(header.value, where: { $0 == 0 || $0 == 0x0A || $0 == 0x0D }) else {
                return HTTPClientError(.invalidRequest, "the value of header '\(header.name)' holds CR, LF or NUL")
            }
        }
        if method.kind == .head, !body.isEmpty {
            return HTTPClientError(.invalidRequest, "a HEAD request cannot carry a body")
        }
        return nil
    }
}
