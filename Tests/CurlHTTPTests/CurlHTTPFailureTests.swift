import CurlHTTP
import Foundation
import QuizTestSupport
import Testing

/// Requests that get no answer, and what the caller is told about them.
@Suite struct CurlHTTPFailureTests {
    let server: FixtureServer

    init() throws {
        server = try FixtureServer()
    }

    /// A client with generous limits unless a test needs tight ones.
    private func makeClient(
        requestTimeout: Duration? = .seconds(60), maximumResponseBodySize: Int = 16 * 1024 * 1024
    ) throws -> CurlHTTPClient {
        try CurlHTTPClient(
            configuration: .init(
                connectTimeout: .seconds(10), requestTimeout: requestTimeout,
                maximumResponseBodySize: maximumResponseBodySize))
    }

    /// The client still works: it answers `/port` with a port number.
    private func expectUsable(_ client: CurlHTTPClient) throws {
        let response = try client.send(HTTPRequest(url: server.url("/port")))
        #expect(response.status == 200)
        #expect(Int(String(decoding: response.body, as: UTF8.self)) != nil)
    }

    // MARK: - Time limits

    @Test(arguments: [
        (Duration?.some(.milliseconds(300)), HTTPRequest.Timeout.configurationDefault),
        (nil, .after(.milliseconds(300))),
        (.seconds(60), .after(.milliseconds(300))),
    ])
    func slowServerTimesOut(configured: Duration?, timeout: HTTPRequest.Timeout) throws {
        let client = try makeClient(requestTimeout: configured)
        let request = HTTPRequest(url: server.url("/slow?ms=10000"), timeout: timeout)
        let error = #expect(throws: HTTPClientError.timeout) { try client.send(request) }
        #expect(error?.curlCode == 28)
        try expectUsable(client)
    }

    @Test(arguments: [Duration.zero, .milliseconds(-5)])
    func passedDeadlineFailsWithoutSending(limit: Duration) throws {
        let client = try makeClient()
        let error = #expect(throws: HTTPClientError.timeout) {
            try client.send(HTTPRequest(url: server.url("/echo"), timeout: .after(limit)))
        }
        #expect(error?.curlCode == nil)
    }

    // MARK: - Connections

    @Test func refusedConnectionFails() throws {
        let refusing = try HeldLoopbackPort(listening: false)
        let client = try makeClient()
        let error = #expect(throws: HTTPClientError.connectionFailed) {
            try client.send(HTTPRequest(url: "http://127.0.0.1:\(refusing.port)/"))
        }
        #expect(error?.curlCode == 7)
    }

    @Test func unresolvableHostFails() throws {
        // RFC 6761 reserves .invalid: it never resolves.
        let error = #expect(throws: HTTPClientError.connectionFailed) {
            try makeClient().send(HTTPRequest(url: "http://dynamodb.quiz.invalid/"))
        }
        #expect(error?.curlCode == 6)
    }

    @Test(arguments: [("/drop", 52), ("/reset", 56)])
    func serverClosingTheConnectionFails(path: String, curlCode: Int) throws {
        let client = try makeClient()
        let error = #expect(throws: HTTPClientError.connectionFailed) {
            try client.send(HTTPRequest(method: .post, url: server.url(path), body: Array("{}".utf8)))
        }
        #expect(error?.curlCode == curlCode)
        try expectUsable(client)
    }

    @Test func plainHTTPServerFailsTheTLSHandshake() throws {
        let error = #expect(throws: HTTPClientError.tls) {
            try makeClient().send(HTTPRequest(url: "https://127.0.0.1:\(server.port)/echo"))
        }
        #expect(error?.curlCode == 35)
    }

    // MARK: - Body limit

    @Test(arguments: [(false, 63), (true, 23)])
    func responseOverTheLimitFails(chunked: Bool, curlCode: Int) throws {
        // Announced lengths are refused up front (CURLE_FILESIZE_EXCEEDED); chunked bodies
        // are cut off by the write callback (CURLE_WRITE_ERROR).
        let client = try makeClient(maximumResponseBodySize: 100_000)
        let flag = chunked ? 1 : 0
        let error = #expect(throws: HTTPClientError.responseTooLarge) {
            try client.send(HTTPRequest(url: server.url("/bytes?n=100001&chunked=\(flag)")))
        }
        #expect(error?.curlCode == curlCode)
        #expect(error?.message == "the response body is over the 100000-byte limit")

        // The limit is inclusive, and the client goes on working.
        let response = try client.send(HTTPRequest(url: server.url("/bytes?n=100000&chunked=\(flag)")))
        #expect(response.body.count == 100_000)
    }

    // MARK: - Invalid requests

    @Test(arguments: [
        ("no scheme or host", HTTPRequest(url: "not a url"), 3),
        ("no host", HTTPRequest(url: "http://"), 3),
        ("file scheme", HTTPRequest(url: "file:///etc/passwd"), 1),
        ("ftp scheme", HTTPRequest(url: "ftp://127.0.0.1/"), 1),
    ])
    func libcurlRefusesTheURL(_ label: String, request: HTTPRequest, curlCode: Int) throws {
        let error = #expect(throws: HTTPClientError.invalidRequest) { try makeClient().send(request) }
        #expect(error?.curlCode == curlCode)
    }

    @Test(arguments: [
        ("empty URL", HTTPRequest(url: "")),
        ("line break in URL", HTTPRequest(url: "http://127.0.0.1/\r\nX-Injected: 1")),
        ("space in header name", HTTPRequest(url: "http://127.0.0.1/", headers: [(name: "Bad Name", value: "1")])),
        ("empty header name", HTTPRequest(url: "http://127.0.0.1/", headers: [(name: "", value: "1")])),
        ("CRLF in header value", HTTPRequest(url: "http://127.0.0.1/", headers: [(name: "X-A", value: "1\r\nX-B: 2")])),
        ("NUL in header value", HTTPRequest(url: "http://127.0.0.1/", headers: [(name: "X-A", value: "1\u{0}2")])),
        ("space in method", HTTPRequest(method: HTTPMethod(rawValue: "GE T"), url: "http://127.0.0.1/")),
        ("HEAD with body", HTTPRequest(method: .head, url: "http://127.0.0.1/", body: [1])),
    ])
    func clientRefusesTheRequest(_ label: String, request: HTTPRequest) throws {
        let error = #expect(throws: HTTPClientError.invalidRequest) { try makeClient().send(request) }
        #expect(error?.curlCode == nil)
    }

    @Test func unusableConfigurationIsRefused() {
        #expect(throws: HTTPClientError.invalidRequest) {
            try CurlHTTPClient(configuration: .init(userAgent: "quiz\r\nX-Injected: 1"))
        }
        #expect(throws: HTTPClientError.invalidRequest) {
            try CurlHTTPClient(configuration: .init(maximumResponseBodySize: -1))
        }
    }

    // MARK: - Secrets

    @Test func errorsNeverQuoteHeadersOrBodies() throws {
        let refusing = try HeldLoopbackPort(listening: false)
        let secretHeaders = [(name: "Authorization", value: "secret-signature"), (name: "X-Amz-Security-Token", value: "secret-token")]
        let requests = [
            HTTPRequest(method: .post, url: "http://127.0.0.1:\(refusing.port)/", headers: secretHeaders, body: Array("secret-body".utf8)),
            HTTPRequest(method: .post, url: server.url("/drop"), headers: secretHeaders, body: Array("secret-body".utf8)),
            HTTPRequest(url: server.url("/echo"), headers: [(name: "X-Amz-Security-Token", value: "secret\r\n")]),
        ]
        let client = try makeClient()
        for request in requests {
            let error = #expect(throws: HTTPClientError.self) { try client.send(request) }
            let text = error.map(String.init(describing:)) ?? ""
            #expect(!text.isEmpty)
            #expect(!text.contains("secret"), "\(text)")
        }
    }
}
