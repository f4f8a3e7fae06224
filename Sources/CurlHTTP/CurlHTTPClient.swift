internal import CCurl
internal import CLibcrypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A blocking HTTP/1.1 client over one reused libcurl easy handle.
///
/// Connections stay open between requests (HTTP/1.1 keep-alive) in the handle's connection
/// cache, so a runtime loop or a DynamoDB client pays for TCP and TLS set-up once, not per
/// request. Each ``send(_:)`` blocks the calling thread until the response is complete or the
/// request fails. Redirects are returned, not followed, and proxy environment variables
/// (`http_proxy`, …) are ignored: the Runtime API and signed AWS requests go straight to the
/// host named in the URL.
///
/// ```swift
/// let client = try CurlHTTPClient(configuration: .init(requestTimeout: .seconds(5)))
/// let response = try client.send(HTTPRequest(method: .post, url: endpoint, headers: signed, body: json))
/// ```
///
/// ## Concurrency
///
/// Not `Sendable`, on purpose. A libcurl easy handle must never be used by two threads at
/// once ([thread safety](https://curl.se/libcurl/c/threadsafe.html)), and the compiler enforces
/// that for a non-`Sendable` class: the client cannot be shared across isolation domains, yet
/// an owner can still hand it over whole (`sending`) to the one thread or task that uses it.
/// Guarding it with a lock inside would hide a lock held for a whole network round trip, long
/// poll included; a caller that truly needs sharing can put it in a `Mutex` itself (its
/// initialiser takes a `sending` value), or make one client per thread.
///
/// Because ``send(_:)`` blocks, call it from a dedicated thread (the Lambda runtime loop) or
/// accept that it occupies a thread of the caller's executor while it waits.
public final class CurlHTTPClient {
    /// The settings every request starts from.
    public let configuration: Configuration
    /// The `CURL *` easy handle. Its connection cache, DNS cache and TLS session cache outlive
    /// each request, which is what keeps connections alive between them.
    private let handle: UnsafeMutableRawPointer
    /// Whether the options every request shares are set on the handle.
    private var configured = false
    /// The header lists of requests without headers of their own, once made.
    private var defaultListWithoutBody: UnsafeMutablePointer<curl_slist>?
    private var defaultListWithBody: UnsafeMutablePointer<curl_slist>?
    /// Storage for [CURLOPT_ERRORBUFFER](https://curl.se/libcurl/c/CURLOPT_ERRORBUFFER.html):
    /// `CURL_ERROR_SIZE` bytes, for as long as the handle lives.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// The configuration's durations in libcurl's units, converted once, not per request.
    private let connectTimeoutMilliseconds: Int
    private let keepAliveSeconds: Int?

    /// A client with its own libcurl handle and no connection yet.
    ///
    /// Fails with ``HTTPClientError/Code/invalidRequest`` for a configuration that cannot be
    /// used, and with ``HTTPClientError/Code/other`` when libcurl cannot start.
    public init(configuration: Configuration = Configuration()) throws(HTTPClientError) {
        if let failure = configuration.validationFailure() ?? CurlLibrary.initializationFailure {
            throw failure
        }
        guard let handle = curl_easy_init() else {
            throw HTTPClientError(.other, "curl_easy_init failed")
        }
        self.configuration = configuration
        self.handle = handle
        connectTimeoutMilliseconds = configuration.connectTimeout.curlMilliseconds
        keepAliveSeconds = configuration.tcpKeepAliveInterval?.curlSeconds
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        // Closes every cached connection (https://curl.se/libcurl/c/curl_easy_cleanup.html).
        curl_easy_cleanup(handle)
        curl_slist_free_all(defaultListWithoutBody)
        curl_slist_free_all(defaultListWithBody)
        errorBuffer.deallocate()
    }

    // MARK: - Sending

    /// Sends `request` and returns the server's response, whatever its status.
    ///
    /// Reuses a live connection to the same host and port when there is one. Throws
    /// ``HTTPClientError`` only when no complete response arrived: a timeout, a failed or
    /// broken connection, a body over the size limit, an invalid request or a TLS failure. The
    /// client stays usable after any error.
    public func send(_ request: HTTPRequest) throws(HTTPClientError) -> HTTPResponse {
        if let failure = request.validationFailure() {
            throw failure
        }
        let timeLimit = try timeLimit(of: request)
        // A request with no headers of its own uses one of two lists made once per client
        // (libcurl copies every line of a list into two allocations of its own).
        let ownsHeaderList = !request.headers.isEmpty
        let headerList = ownsHeaderList ? try makeHeaderList(for: request) : try defaultHeaderList(sendsBody: request.sendsBody)
        defer { if ownsHeaderList { curl_slist_free_all(headerList) } }
        // The options every request shares are set once; those of one request are set for it
        // and, once it is done (this defer runs before the list is freed), pointed away from
        // its header list, body and collector, so between requests the handle points at
        // nothing freed. (Resetting the handle and setting everything again for each request
        // cost a tenth of the Lambda runtime loop's CPU.) On any failure to set an option the
        // handle is reset and everything is set again next time.
        defer { forgetRequest() }

        if !configured {
            try applyConfiguration()
            configured = true
        }
        let collector = ResponseCollector(
            bodyLimit: configuration.maximumResponseBodySize, keepsContent: request.keepsResponseContent, keptHeaders: request.keptResponseHeaders)
        try applyOptions(of: request, headerList: headerList, timeLimit: timeLimit, collector: collector)
        errorBuffer[0] = 0
        let result = withExtendedLifetime(collector) {
            // The body is lent, not copied: CURLOPT_POSTFIELDS reads it in place, and the
            // pointer is valid until curl_easy_perform returns inside this closure.
            request.body.withUnsafeBytes { body in
                perform(uploading: request.sendsBody ? body : nil)
            }
        }
        guard result == CURLE_OK else {
            throw failure(for: result, collector: collector)
        }
        var status = 0
        try check(quiz_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status), "reading the status")
        return HTTPResponse(status: status, headers: collector.headers, body: collector.body)
    }

    /// Runs the transfer, first pointing CURLOPT_POSTFIELDS at `body` when there is one.
    private func perform(uploading body: UnsafeRawBufferPointer?) -> CURLcode {
        if let body {
            let code = quiz_curl_setopt_postfields(handle, body.baseAddress, curl_off_t(body.count))
            guard code == CURLE_OK else { return code }
        }
        return curl_easy_perform(handle)
    }

    /// The time limit `request` asks for, `nil` for none; a limit already passed throws.
    private func timeLimit(of request: HTTPRequest) throws(HTTPClientError) -> Duration? {
        let limit: Duration? =
            switch request.timeout {
            case .configurationDefault: configuration.requestTimeout
            case .unlimited: nil
            case .after(let duration): duration
            }
        if let limit, limit <= .zero {
            throw HTTPClientError(.timeout, "the time limit of the request had passed before it was sent")
        }
        return limit
    }

    // MARK: - Options

    /// Points the handle away from the request just sent: its header list, its body and its
    /// collector are about to be freed. A failure here resets the handle, which clears them too.
    private func forgetRequest() {
        let cleared =
            quiz_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, nil) == CURLE_OK
            && quiz_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, nil) == CURLE_OK
            && quiz_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, nil) == CURLE_OK
            && quiz_curl_setopt_postfields(handle, nil, 0) == CURLE_OK
        if !cleared {
            curl_easy_reset(handle)
            configured = false
        }
    }

    /// Sets what every request shares, once per handle.
    private func applyConfiguration() throws(HTTPClientError) {
        // Whatever fails below leaves the handle half set: start again from libcurl's defaults.
        var succeeded = false
        defer {
            if !succeeded { curl_easy_reset(handle) }
        }
        // Timeouts must not raise SIGALRM in a multi-threaded process
        // (https://curl.se/libcurl/c/CURLOPT_NOSIGNAL.html).
        try set(CURLOPT_NOSIGNAL, 1)
        try check(quiz_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
        // Only http and https: a URL such as file:///etc/passwd must never be fetched
        // (https://curl.se/libcurl/c/CURLOPT_PROTOCOLS_STR.html).
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        // An empty proxy ignores http_proxy and friends, so loopback Runtime API traffic and
        // signed AWS requests are never diverted (https://curl.se/libcurl/c/CURLOPT_PROXY.html).
        try set(CURLOPT_PROXY, "")
        // HTTP/1.1 even when TLS could negotiate h2, so behaviour does not depend on the peer.
        try set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1))
        try set(CURLOPT_CONNECTTIMEOUT_MS, connectTimeoutMilliseconds)
        if let userAgent = configuration.userAgent {
            try set(CURLOPT_USERAGENT, userAgent)
        }
        if let keepAliveSeconds {
            try set(CURLOPT_TCP_KEEPALIVE, 1)
            try set(CURLOPT_TCP_KEEPIDLE, keepAliveSeconds)
            try set(CURLOPT_TCP_KEEPINTVL, keepAliveSeconds)
        }
        // VERIFYHOST 2 checks the certificate names the host; 1 is not a valid setting
        // (https://curl.se/libcurl/c/CURLOPT_SSL_VERIFYHOST.html).
        try set(CURLOPT_SSL_VERIFYPEER, configuration.verifiesTLSPeer ? 1 : 0)
        try set(CURLOPT_SSL_VERIFYHOST, configuration.verifiesTLSPeer ? 2 : 0)
        if configuration.verifiesTLSPeer, let bundle = CurlLibrary.certificateBundle {
            try set(CURLOPT_CAINFO, bundle)
        }
        // Refuses an announced Content-Length over the limit before any body arrives; 0 would
        // mean "no limit", and the write callback enforces the limit in every case anyway.
        if configuration.maximumResponseBodySize > 0 {
            let limit = curl_off_t(configuration.maximumResponseBodySize)
            try check(quiz_curl_setopt_off_t(handle, CURLOPT_MAXFILESIZE_LARGE, limit), "CURLOPT_MAXFILESIZE_LARGE")
        }
        try check(quiz_curl_setopt_header_function(handle, ResponseCollector.headerCallback), "CURLOPT_HEADERFUNCTION")
        try check(quiz_curl_setopt_write_function(handle, ResponseCollector.bodyCallback), "CURLOPT_WRITEFUNCTION")
        succeeded = true
    }

    /// Sets what belongs to this request: URL, time limit, headers, collector and method, each
    /// of them every time, so nothing of the previous request carries over.
    private func applyOptions(
        of request: HTTPRequest, headerList: UnsafeMutablePointer<curl_slist>?, timeLimit: Duration?, collector: ResponseCollector
    ) throws(HTTPClientError) {
        try set(CURLOPT_URL, request.url)
        // 0 is libcurl's "no limit" (https://curl.se/libcurl/c/CURLOPT_TIMEOUT_MS.html).
        try set(CURLOPT_TIMEOUT_MS, timeLimit?.curlMilliseconds ?? 0)
        try check(quiz_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList), "CURLOPT_HTTPHEADER")
        try check(quiz_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, collector.context), "CURLOPT_HEADERDATA")
        try check(quiz_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, collector.context), "CURLOPT_WRITEDATA")
        // NOBODY, not CUSTOMREQUEST "HEAD": only NOBODY stops libcurl waiting for a body
        // (https://curl.se/libcurl/c/CURLOPT_NOBODY.html); 0 for every other request, whatever
        // the one before it was.
        let kind = request.method.kind
        try set(CURLOPT_NOBODY, kind == .head ? 1 : 0)
        if kind != .head, !request.sendsBody {
            // A GET, whatever the request before it was (this also drops any upload:
            // https://curl.se/libcurl/c/CURLOPT_HTTPGET.html); a body is set in `perform`,
            // which makes a POST.
            try set(CURLOPT_HTTPGET, 1)
        }
        // CURLOPT_POSTFIELDS makes a POST and HTTPGET a GET; any other method replaces the word
        // on the request line and keeps the body handling; NULL puts the default back
        // (https://curl.se/libcurl/c/CURLOPT_CUSTOMREQUEST.html).
        let custom = kind != .head && (request.sendsBody ? kind != .post : kind != .get)
        try check(quiz_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, custom ? request.method.rawValue : nil), "CURLOPT_CUSTOMREQUEST")
    }

    /// The caller's headers as a libcurl list, plus lines that remove headers libcurl would
    /// add on its own ([CURLOPT_HTTPHEADER](https://curl.se/libcurl/c/CURLOPT_HTTPHEADER.html)).
    ///
    /// `Name:` removes a header and `Name;` sends it empty. Removed unless the caller sets
    /// them: `Expect: 100-continue`, which costs a round trip before large bodies; the form
    /// `Content-Type` that CURLOPT_POSTFIELDS implies; and `Accept: */*`.
    /// The list of a request without headers of its own: the lines that remove libcurl's
    /// defaults, made on first use and kept until the client goes away.
    private func defaultHeaderList(sendsBody: Bool) throws(HTTPClientError) -> UnsafeMutablePointer<curl_slist>? {
        if let list = sendsBody ? defaultListWithBody : defaultListWithoutBody { return list }
        let list = try makeHeaderList(for: HTTPRequest(method: sendsBody ? .post : .get, url: "http://unused"))
        if sendsBody { defaultListWithBody = list } else { defaultListWithoutBody = list }
        return list
    }

    private func makeHeaderList(for request: HTTPRequest) throws(HTTPClientError) -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>?
        // Appended one by one, no intermediate arrays: this runs for every request.
        func append(_ line: String) throws(HTTPClientError) {
            // curl_slist_append copies the line; on failure the list so far is still ours.
            guard let extended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw HTTPClientError(.other, "curl_slist_append failed: out of memory")
            }
            list = extended
        }
        for header in request.headers {
            try append(header.value.isEmpty ? header.name + ";" : header.name + ": " + header.value)
        }
        if request.headers.isEmpty || !request.hasHeader(named: "Expect") { try append("Expect:") }
        if request.headers.isEmpty || !request.hasHeader(named: "Accept") { try append("Accept:") }
        if request.sendsBody, request.headers.isEmpty || !request.hasHeader(named: "Content-Type") { try append("Content-Type:") }
        return list
    }

    // MARK: - libcurl calls

    private func set(_ option: CURLoption, _ value: Int) throws(HTTPClientError) {
        try check(quiz_curl_setopt_long(handle, option, value), "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, _ value: String) throws(HTTPClientError) {
        // libcurl copies string options, so the temporary C string may go away after the call.
        try check(quiz_curl_setopt_string(handle, option, value), "option \(option.rawValue)")
    }

    /// Throws for a failed libcurl call; `what` is only built then (an interpolated message
    /// built for every option of every request cost more CPU than setting the options).
    private func check(_ code: CURLcode, _ what: @autoclosure () -> String) throws(HTTPClientError) {
        guard code == CURLE_OK else {
            throw HTTPClientError(curlCode: code, message: "\(what()): \(HTTPClientError.genericMessage(for: code))")
        }
    }

    /// The error for a failed transfer, with the status and headers that did arrive; the body
    /// limit wins over libcurl's generic write error.
    private func failure(for code: CURLcode, collector: ResponseCollector) -> HTTPClientError {
        var error: HTTPClientError
        if collector.exceededBodyLimit || code == CURLE_FILESIZE_EXCEEDED {
            error = .bodyOverLimit(configuration.maximumResponseBodySize, curlCode: code)
        } else {
            let detail = String(cString: errorBuffer).trimmingSuffix { $0 == "\n" }
            error = HTTPClientError(curlCode: code, message: detail.isEmpty ? HTTPClientError.genericMessage(for: code) : detail)
        }
        var status = 0
        if !collector.headers.isEmpty, quiz_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK, status > 0 {
            error.partialResponse = HTTPResponse(status: status, headers: collector.headers)
        }
        return error
    }
}

// MARK: - Global initialisation

/// libcurl's process-wide state.
enum CurlLibrary {
    /// `nil` once [curl_global_init](https://curl.se/libcurl/c/curl_global_init.html) has
    /// succeeded. It must run before the first handle and, before libcurl 7.84, never
    /// concurrently with other libcurl calls; a `static let` initialiser runs exactly once, and
    /// every other thread waits for it. curl_global_cleanup is never called: it would have to
    /// wait for every handle of the process, and the process's exit frees everything anyway.
    static let initializationFailure: HTTPClientError? = {
        // libcurl initialises OpenSSL with everything: every cipher and digest in the legacy
        // name tables and every error string, ~0.9 MiB resident that TLS never reads (libssl
        // fetches its algorithms from OpenSSL 3's providers; certificate errors keep their text).
        // Initialising first without them makes libcurl's own initialisation find those steps
        // done (https://docs.openssl.org/3.0/man3/OPENSSL_init_crypto/); the system's OpenSSL
        // configuration is still loaded. docs/runtime.md has the measurements.
        OPENSSL_init_crypto(
            UInt64(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS), nil)
        let code = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        guard code == CURLE_OK else {
            return HTTPClientError(curlCode: code, message: "curl_global_init: \(HTTPClientError.genericMessage(for: code))")
        }
        return nil
    }()
}

extension CurlLibrary {
    /// The system's file of trusted CA certificates: `SSL_CERT_FILE` when set, else the first
    /// of the usual places that exists, or `nil` to keep the one libcurl was built with.
    ///
    /// A libcurl looks where its own distribution keeps the file (Debian's:
    /// `/etc/ssl/certs/ca-certificates.crt`), and a bootstrap carries Debian's libcurl to Lambda,
    /// whose Amazon Linux keeps it at `/etc/pki/tls/certs/ca-bundle.crt`: without this, every
    /// HTTPS request there would fail verification. Read once.
    static let certificateBundle: String? = certificateBundle(
        environment: getenv("SSL_CERT_FILE").map { String(cString: $0) }, exists: { access($0, R_OK) == 0 })

    /// The places searched, in order: Debian and Ubuntu, Amazon Linux and Fedora, openSUSE,
    /// RHEL's extracted bundle, Alpine (the list Go's crypto/x509 searches, in the same order).
    static let certificateBundleCandidates = [
        "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem",
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/ssl/cert.pem",
    ]

    /// The bundle for an `SSL_CERT_FILE` value and a way to tell whether a file can be read.
    static func certificateBundle(environment: String?, exists: (String) -> Bool) -> String? {
        if let environment, !environment.isEmpty { return environment }
        return certificateBundleCandidates.first(where: exists)
    }
}

extension String {
    /// This text without the trailing characters that match `predicate`.
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
        var text = self
        while let last = text.last, predicate(last) { text.removeLast() }
        return text
    }
}
