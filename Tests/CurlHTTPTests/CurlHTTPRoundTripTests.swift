import CurlHTTP
import Foundation
import Testing

/// Requests that get answers, against the real fixture server over loopback.
@Suite struct CurlHTTPRoundTripTests {
    let server: FixtureServer
    let client: CurlHTTPClient

    init() throws {
        server = try FixtureServer()
        client = try CurlHTTPClient(configuration: .init(connectTimeout: .seconds(10), requestTimeout: .seconds(60)))
    }

    // MARK: - Methods and bodies

    @Test func getRoundTripSendsNoBody() throws {
        let response = try client.send(HTTPRequest(url: server.url("/echo?table=quiz&limit=2")))
        let echo = try Echo(response)
        #expect(response.status == 200)
        #expect(response.isSuccess)
        #expect(echo.method == "GET")
        #expect(echo.path == "/echo?table=quiz&limit=2")
        #expect(echo.body == [])
        #expect(echo.values("Content-Length") == [])
    }

    @Test func postRoundTripEchoesBodyBytesExactly() throws {
        let body = Array(0...255) + Array(#"{"TableName":"quiz"}"#.utf8)
        let request = HTTPRequest(
            method: .post, url: server.url("/echo"),
            headers: [(name: "Content-Type", value: "application/x-amz-json-1.0")], body: body)
        let echo = try Echo(client.send(request))
        #expect(echo.method == "POST")
        #expect(echo.body == body)
        #expect(echo.values("Content-Type") == ["application/x-amz-json-1.0"])
        #expect(echo.values("Content-Length") == ["\(body.count)"])
    }

    @Test(arguments: [
        (HTTPMethod.put, Array("payload".utf8), "7"),
        (.patch, Array("payload".utf8), "7"),
        (.delete, Array("payload".utf8), "7"),
        (.post, [], "0"),
        (.put, [], "0"),
        (.delete, [], nil),
        (.options, [], nil),
        (HTTPMethod(rawValue: "PROPFIND"), [], nil),
    ] as [(HTTPMethod, [UInt8], String?)])
    func methodAndBodyReachTheServer(method: HTTPMethod, body: [UInt8], contentLength: String?) throws {
        let echo = try Echo(client.send(HTTPRequest(method: method, url: server.url("/echo"), body: body)))
        #expect(echo.method == method.rawValue)
        #expect(echo.body == body)
        #expect(echo.values("Content-Length") == (contentLength.map { [$0] } ?? []))
    }

    @Test func headGetsHeadersWithoutBody() throws {
        let response = try client.send(HTTPRequest(method: .head, url: server.url("/bytes?n=1000")))
        #expect(response.status == 200)
        #expect(response.header("Content-Length") == "1000")
        #expect(response.body == [])
    }

    @Test func sixMegabytePostIsEchoedWhole() throws {
        // The Lambda Runtime API accepts responses of up to 6 MB.
        let body = randomBytes(count: 6 * 1024 * 1024)
        let response = try client.send(HTTPRequest(method: .post, url: server.url("/echo"), body: body))
        let echo = try Echo(response)
        #expect(echo.values("Content-Length") == ["6291456"])
        #expect(echo.values("Expect") == [])
        #expect(echo.body.count == body.count)
        #expect(echo.body == body)
    }

    // MARK: - Headers

    @Test func requestHeadersArriveInOrderAndNothingElseIsAdded() throws {
        let headers = [
            (name: "X-Amz-Target", value: "DynamoDB_20120810.GetItem"),
            (name: "X-Dup", value: "first"),
            (name: "X-Empty", value: ""),
            (name: "x-dup", value: "second"),
            (name: "Authorization", value: "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/dynamodb/aws4_request"),
        ]
        let request = HTTPRequest(method: .post, url: server.url("/echo"), headers: headers, body: Array("{}".utf8))
        let echo = try Echo(client.send(request))
        // Host and Content-Length are HTTP/1.1's own; User-Agent comes from the configuration.
        // No Expect, Accept or form Content-Type: libcurl's defaults are suppressed.
        let added: Set = ["host", "content-length", "user-agent"]
        let sent = echo.headers.filter { !added.contains($0[0].lowercased()) }
        #expect(sent == headers.map { [$0.name, $0.value] })
        #expect(echo.values("User-Agent") == ["adaptive-quiz-curl-http"])
        #expect(echo.values("Host") == ["127.0.0.1:\(server.port)"])
    }

    @Test func callerUserAgentReplacesTheConfiguredOne() throws {
        let request = HTTPRequest(url: server.url("/echo"), headers: [(name: "User-Agent", value: "lambda-runtime/1")])
        #expect(try Echo(client.send(request)).values("User-Agent") == ["lambda-runtime/1"])
    }

    @Test(arguments: [201, 204, 404, 500, 503])
    func anyStatusIsAResponse(status: Int) throws {
        let response = try client.send(HTTPRequest(method: .post, url: server.url("/status/\(status)")))
        #expect(response.status == status)
        #expect(response.isSuccess == (200..<300).contains(status))
        #expect(response.header("X-Fixture-Status") == "\(status)")
        #expect(response.body == (status == 204 ? [] : Array("status \(status)".utf8)))
    }

    @Test func responseHeaderLookupIgnoresCase() throws {
        let response = try client.send(HTTPRequest(url: server.url("/status/404")))
        #expect(response.header("x-fixture-status") == "404")
        #expect(response.header("X-FIXTURE-STATUS") == "404")
        #expect(response.headerValues("content-type") == ["text/plain"])
        #expect(response.header("Lambda-Runtime-Aws-Request-Id") == nil)
        #expect(response.headers.map(\.name).contains("X-Fixture-Status"))
    }

    @Test func onlyTheResponseHeadersAskedForAreKeptUnderTheNamesAskedFor() throws {
        let all = try client.send(HTTPRequest(url: server.url("/folded")))
        #expect(all.header("X-Dropped") == "first dropped too")
        #expect(all.header("X-Kept") == "one two")

        let kept = try client.send(HTTPRequest(url: server.url("/folded"), keptResponseHeaders: ["x-kept", "CONTENT-LENGTH", "X-Absent"]))
        #expect(kept.status == 200)
        // In the order received, named as asked; the folded line of a dropped field is dropped
        // with it, not added to the field before.
        #expect(kept.headers.map(\.name) == ["x-kept", "CONTENT-LENGTH"])
        #expect(kept.header("X-Kept") == "one two")
        #expect(kept.header("Content-Length") == "6")
        #expect(kept.header("X-Dropped") == nil)
        #expect(kept.body == Array("folded".utf8))

        let none = try client.send(HTTPRequest(url: server.url("/folded"), keptResponseHeaders: []))
        #expect(none.headers.isEmpty)
        #expect(none.body == Array("folded".utf8))
    }

    // MARK: - Bodies, connections and time limits

    @Test(arguments: [false, true])
    func largeResponseUnderTheLimitArrivesWhole(chunked: Bool) throws {
        let count = 3_000_000
        let response = try client.send(HTTPRequest(url: server.url("/bytes?n=\(count)&chunked=\(chunked ? 1 : 0)")))
        #expect(response.header("Transfer-Encoding") == (chunked ? "chunked" : nil))
        #expect(response.body == FixtureServer.bytesBody(count: count))
    }

    @Test func sequentialRequestsReuseOneConnection() throws {
        let first = try client.send(HTTPRequest(url: server.url("/port"))).body
        _ = try client.send(HTTPRequest(method: .post, url: server.url("/echo"), body: Array(repeating: 7, count: 100_000)))
        _ = try client.send(HTTPRequest(url: server.url("/status/500")))
        let last = try client.send(HTTPRequest(url: server.url("/port"))).body
        #expect(!first.isEmpty)
        #expect(last == first)

        // The port does identify the connection: another client gets another one.
        let other = try CurlHTTPClient()
        #expect(try other.send(HTTPRequest(url: server.url("/port"))).body != first)
    }

    @Test func unlimitedRequestOutwaitsTheConfiguredTimeout() throws {
        let shortLimits = try CurlHTTPClient(configuration: .init(requestTimeout: .milliseconds(300)))
        let request = HTTPRequest(url: server.url("/slow?ms=1500"), timeout: .unlimited)
        let response = try shortLimits.send(request)
        #expect(response.status == 200)
        #expect(response.body == Array("slept 1500".utf8))
    }
}

/// `count` pseudo-random bytes (SplitMix64, fixed seed): a body in which a lost, repeated or
/// misplaced chunk shows, the same on every run.
func randomBytes(count: Int) -> [UInt8] {
    var state: UInt64 = 0x5EED
    return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        for offset in stride(from: 0, to: count, by: 8) {
            state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = (state ^ (state >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            mixed ^= mixed >> 31
            for byte in 0..<min(8, count - offset) {
                buffer[offset + byte] = UInt8(truncatingIfNeeded: mixed >> (8 * UInt64(byte)))
            }
        }
        initialized = count
    }
}

/// What `/echo` reports about the request it received.
struct Echo: Decodable {
    var method: String
    var path: String
    var headers: [[String]]
    private var bodyBase64: String

    private enum CodingKeys: String, CodingKey {
        case method, path, headers
        case bodyBase64 = "body"
    }

    init(_ response: HTTPResponse) throws {
        #expect(response.status == 200)
        self = try JSONDecoder().decode(Echo.self, from: Data(response.body))
    }

    /// The request body the server read.
    var body: [UInt8] { Array(Data(base64Encoded: bodyBase64) ?? Data("not base64".utf8)) }

    /// The values of the request headers with this name, ignoring case.
    func values(_ name: String) -> [String] {
        headers.filter { $0[0].lowercased() == name.lowercased() }.map { $0[1] }
    }
}
