extension CurlHTTPClient {
    /// The settings every request of a ``CurlHTTPClient`` starts from; built once at the entry
    /// point and passed in.
    public struct Configuration: Sendable {
        /// The longest a TCP connect (plus the TLS handshake, for https) may take
        /// ([CURLOPT_CONNECTTIMEOUT_MS](https://curl.se/libcurl/c/CURLOPT_CONNECTTIMEOUT_MS.html)).
        /// It applies even to requests with an ``HTTPRequest/Timeout/unlimited`` time limit.
        public var connectTimeout: Duration
        /// The time limit of requests that use ``HTTPRequest/Timeout/configurationDefault``;
        /// `nil` means no limit.
        ///
        /// The Lambda Runtime API's `GET /invocation/next` blocks until an event arrives, so
        /// the runtime loop sends it with ``HTTPRequest/Timeout/unlimited`` instead.
        public var requestTimeout: Duration?
        /// The `User-Agent` of every request that does not set its own; `nil` sends none.
        public var userAgent: String?
        /// The largest response body accepted, in bytes; a larger one fails the request with
        /// ``HTTPClientError/Code/responseTooLarge`` instead of growing memory without bound.
        public var maximumResponseBodySize: Int
        /// The idle time before the first TCP keep-alive probe and between probes, or `nil` for
        /// no probes ([CURLOPT_TCP_KEEPALIVE](https://curl.se/libcurl/c/CURLOPT_TCP_KEEPALIVE.html)).
        /// Probes let a long poll notice a peer that vanished without closing the connection.
        public var tcpKeepAliveInterval: Duration?
        /// Whether https servers must present a certificate that the system trusts for the
        /// host name ([CURLOPT_SSL_VERIFYPEER](https://curl.se/libcurl/c/CURLOPT_SSL_VERIFYPEER.html)).
        /// Turn this off only for local test servers with self-signed certificates.
        public var verifiesTLSPeer: Bool

        /// A configuration; every setting has a default fit for calling an AWS service.
        public init(
            connectTimeout: Duration = .seconds(10),
            requestTimeout: Duration? = .seconds(30),
            userAgent: String? = "adaptive-quiz-curl-http",
            maximumResponseBodySize: Int = 16 * 1024 * 1024,
            tcpKeepAliveInterval: Duration? = .seconds(60),
            verifiesTLSPeer: Bool = true
        ) {
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.userAgent = userAgent
            self.maximumResponseBodySize = maximumResponseBodySize
            self.tcpKeepAliveInterval = tcpKeepAliveInterval
            self.verifiesTLSPeer = verifiesTLSPeer
        }

        /// Why this configuration cannot be used, or `nil` when it can.
        func validationFailure() -> HTTPClientError? {
            if let userAgent, userAgent.utf8.contains(where: HTTPHeaderName.isControlCharacter) {
                return HTTPClientError(.invalidRequest, "the configured user agent holds control characters")
            }
            if maximumResponseBodySize < 0 {
                return HTTPClientError(.invalidRequest, "the maximum response body size is negative")
            }
            return nil
        }
    }
}

// MARK: - libcurl units

extension Duration {
    /// This duration in whole milliseconds for libcurl's `*_MS` options, rounded up and at
    /// least 1: libcurl reads 0 as "no limit", so a sub-millisecond limit must not become 0.
    /// Limits too long for an `Int` are capped at `Int.max`.
    var curlMilliseconds: Int {
        Self.ceilingCount(self, unit: .milliseconds(1))
    }

    /// This duration in whole seconds for libcurl's seconds-only options (the TCP keep-alive
    /// timers), rounded up and at least 1.
    var curlSeconds: Int {
        Self.ceilingCount(self, unit: .seconds(1))
    }

    private static func ceilingCount(_ duration: Duration, unit: Duration) -> Int {
        guard duration > .zero else { return 1 }
        // Duration's components are (seconds, attoseconds); 10^18 attoseconds per second.
        let unitAttoseconds = unit.components.seconds * 1_000_000_000_000_000_000 + unit.components.attoseconds
        let perSecond = 1_000_000_000_000_000_000 / unitAttoseconds
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: perSecond)
        guard !overflow else { return Int.max }
        let fraction = (attoseconds + unitAttoseconds - 1) / unitAttoseconds
        let (total, sumOverflow) = whole.addingReportingOverflow(fraction)
        return sumOverflow ? Int.max : max(1, Int(total))
    }
}
