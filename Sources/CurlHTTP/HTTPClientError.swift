internal import CCurl

/// A request that got no HTTP response. Errors compare by code.
///
/// A response with any status, 4xx and 5xx included, is not an error: it is returned as an
/// ``HTTPResponse``. The text of an error holds libcurl's explanation (host, port, elapsed
/// time) and never request or response headers or bodies, which may carry credentials.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable, Hashable {
        /// The time limit passed before the response was complete, or the connection could
        /// not be made within the connect timeout. The server may have acted on the request.
        case timeout
        /// The host could not be resolved or connected to, or the connection broke: reset,
        /// closed before or during the response. The server may have acted on the request
        /// unless the failure happened while connecting.
        case connectionFailed
        /// The response body is over ``CurlHTTPClient/Configuration/maximumResponseBodySize``;
        /// the connection was closed and the body dropped.
        case responseTooLarge
        /// The request cannot be sent as given: a malformed URL, a scheme other than http or
        /// https, a header or method that is not valid HTTP. Nothing was sent.
        case invalidRequest
        /// The TLS handshake or the server's certificate failed.
        case tls
        /// Anything else, such as a reply that is not HTTP or libcurl running out of memory.
        case other
    }

    /// What kind of failure this is.
    public var code: Code
    /// libcurl's `CURLcode`, when libcurl reported the failure
    /// ([libcurl-errors](https://curl.se/libcurl/c/libcurl-errors.html)); `nil` when this
    /// client refused the request itself.
    public var curlCode: Int?
    /// libcurl's explanation from
    /// [CURLOPT_ERRORBUFFER](https://curl.se/libcurl/c/CURLOPT_ERRORBUFFER.html), or this
    /// client's own; free of headers and bodies.
    public var message: String
    /// The status and headers of a response whose body never arrived whole (over the size
    /// limit, or cut off by a broken connection), body empty; `nil` when no header arrived.
    /// A caller can still tell which request the server was answering, e.g. the Lambda
    /// Runtime API's request id of an event too large to receive. Not part of ``description``.
    public var partialResponse: HTTPResponse?

    /// An error.
    public init(_ code: Code, _ message: String, curlCode: Int? = nil) {
        self.code = code
        self.message = message
        self.curlCode = curlCode
    }

    /// The code, libcurl's code when there is one, and the message, for logs.
    public var description: String {
        if let curlCode {
            "\(code.rawValue) (curl \(curlCode)): \(message)"
        } else {
            "\(code.rawValue): \(message)"
        }
    }

    // MARK: - Factories

    /// A timeout; compares equal to every timeout.
    public static let timeout = HTTPClientError(.timeout, "the request timed out")
    /// A connection failure; compares equal to every connection failure.
    public static let connectionFailed = HTTPClientError(.connectionFailed, "the connection failed")
    /// A response over the size limit; compares equal to every such error.
    public static let responseTooLarge = HTTPClientError(.responseTooLarge, "the response body is too large")
    /// A request that cannot be sent; compares equal to every such error.
    public static let invalidRequest = HTTPClientError(.invalidRequest, "the request is not valid")
    /// A TLS failure; compares equal to every TLS failure.
    public static let tls = HTTPClientError(.tls, "the TLS handshake failed")
    /// Any other failure; compares equal to every other failure.
    public static let other = HTTPClientError(.other, "the request failed")

    /// A response body over `limit` bytes, found by libcurl (`code`) or by the write callback.
    static func bodyOverLimit(_ limit: Int, curlCode: CURLcode) -> HTTPClientError {
        HTTPClientError(
            .responseTooLarge, "the response body is over the \(limit)-byte limit", curlCode: Int(curlCode.rawValue))
    }
}

extension HTTPClientError: Equatable {
    /// Errors are equal when their codes are.
    public static func == (lhs: HTTPClientError, rhs: HTTPClientError) -> Bool { lhs.code == rhs.code }
}

// MARK: - libcurl codes

extension HTTPClientError {
    /// The error for a failed libcurl call, with libcurl's message.
    init(curlCode: CURLcode, message: String) {
        self.init(Self.code(for: curlCode), message, curlCode: Int(curlCode.rawValue))
    }

    /// Sorts libcurl's codes ([libcurl-errors](https://curl.se/libcurl/c/libcurl-errors.html))
    /// into what a caller can act on: retry after a timeout or a broken connection, fix the
    /// request, or report the rest.
    static func code(for curlCode: CURLcode) -> Code {
        switch curlCode {
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout
        case CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT,
            // SEND/RECV: the connection was reset; GOT_NOTHING: closed before any response
            // byte; PARTIAL_FILE: closed before the body was complete.
            CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
            return .connectionFailed
        case CURLE_FILESIZE_EXCEEDED:
            // A Content-Length over CURLOPT_MAXFILESIZE_LARGE, refused before the body arrives
            // (https://curl.se/libcurl/c/CURLOPT_MAXFILESIZE_LARGE.html).
            return .responseTooLarge
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return .invalidRequest
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED,
            CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED:
            return .tls
        default:
            return .other
        }
    }

    /// libcurl's generic text for a code, used when the error buffer is empty
    /// ([curl_easy_strerror](https://curl.se/libcurl/c/curl_easy_strerror.html)).
    static func genericMessage(for curlCode: CURLcode) -> String {
        String(cString: curl_easy_strerror(curlCode))
    }
}
