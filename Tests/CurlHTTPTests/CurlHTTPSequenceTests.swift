import CurlHTTP
import Foundation
import Testing

/// One client sends request after request on one handle, setting the options every request
/// shares only once: nothing of one request (method, body, headers, HEAD's no-body) may carry
/// over to the next.
@Suite struct CurlHTTPSequenceTests {
    @Test func eachRequestOfAMixedSequenceArrivesAsItWasMade() throws {
        let server = try FixtureServer()
        let client = try CurlHTTPClient(configuration: .init(requestTimeout: .seconds(60)))
        let steps: [(HTTPMethod, [UInt8], [(name: String, value: String)])] = [
            (.post, Array("first".utf8), [(name: "X-Step", value: "1")]),
            (.get, [], []),
            (.put, [], []),
            (.delete, [], [(name: "X-Step", value: "4")]),
            (.patch, Array(#"{"p":1}"#.utf8), []),
            (.get, [], []),
        ]
        for (index, (method, body, headers)) in steps.enumerated() {
            let echo = try Echo(client.send(HTTPRequest(method: method, url: server.url("/echo?step=\(index)"), headers: headers, body: body)))
            #expect(echo.method == method.rawValue, "step \(index)")
            #expect(echo.path == "/echo?step=\(index)", "step \(index)")
            #expect(echo.body == body, "step \(index)")
            #expect(echo.values("X-Step") == headers.map(\.value), "step \(index): a header of an earlier request came along")
            #expect(echo.values("Content-Length") == (method.rawValue == "GET" || method.rawValue == "DELETE" ? [] : [String(body.count)]), "step \(index)")
        }
        // A HEAD in between: no body is waited for, and the next request reads its body again.
        let head = try client.send(HTTPRequest(method: .head, url: server.url("/bytes?n=1000")))
        #expect(head.status == 200 && head.body.isEmpty)
        let after = try client.send(HTTPRequest(url: server.url("/bytes?n=1000")))
        #expect(after.body == FixtureServer.bytesBody(count: 1000))
        let post = try Echo(client.send(HTTPRequest(method: .post, url: server.url("/echo"), body: Array("after head".utf8))))
        #expect(post.method == "POST" && post.body == Array("after head".utf8))
    }

    @Test func aFailedRequestLeavesTheClientUsable() throws {
        let server = try FixtureServer()
        let client = try CurlHTTPClient(configuration: .init(requestTimeout: .seconds(60)))
        #expect(throws: HTTPClientError.invalidRequest) {
            try client.send(HTTPRequest(url: server.url("/echo"), headers: [(name: "Bad\nName", value: "x")]))
        }
        #expect(throws: HTTPClientError.timeout) {
            try client.send(HTTPRequest(url: server.url("/slow?ms=2000"), timeout: .after(.milliseconds(200))))
        }
        let echo = try Echo(client.send(HTTPRequest(method: .post, url: server.url("/echo"), body: Array("ok".utf8))))
        #expect(echo.method == "POST" && echo.body == Array("ok".utf8))
    }

    @Test func aResponseWhoseContentIsNotKeptStillGivesItsStatusAndLimit() throws {
        let server = try FixtureServer()
        let client = try CurlHTTPClient(configuration: .init(requestTimeout: .seconds(60), maximumResponseBodySize: 4096))
        let dropped = try client.send(HTTPRequest(method: .post, url: server.url("/status/503"), keepsResponseContent: false))
        #expect(dropped.status == 503)
        #expect(dropped.headers.isEmpty && dropped.body.isEmpty)
        #expect(throws: HTTPClientError.responseTooLarge) {
            try client.send(HTTPRequest(url: server.url("/bytes?n=5000"), keepsResponseContent: false))
        }
        // The next request keeps its content again.
        let kept = try client.send(HTTPRequest(url: server.url("/bytes?n=100")))
        #expect(kept.body == FixtureServer.bytesBody(count: 100))
        #expect(kept.header("Content-Length") == "100")
    }
}
