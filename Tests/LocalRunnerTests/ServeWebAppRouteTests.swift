import Foundation
import Glibc
import QuizTestSupport
import Testing

/// The web app's routes of `local-runner serve` (its files and `POST /dev/token`) go through the
/// same gateway as the API, under the same limits (docs/local-runner.md, "How a request
/// travels"): exact bytes, HTTP framing that a keep-alive client can rely on, refusals by the
/// header before a body is read, the dev login's body limit and the body timeout.
@Suite("serve: the web app's routes under the gateway's limits", .serialized)
struct ServeWebAppRouteTests {
    /// Every byte value, and sequences that are not UTF-8: what a PNG may hold, and what a
    /// text body would corrupt.
    static let binary: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + (0...255).map { UInt8($0) } + [0xFF, 0xFE, 0xC0, 0x80, 0x00]

    /// A web root with an index page and a binary image.
    static func webRoot(in folder: TemporaryFolder) throws -> String {
        let root = "\(folder.path)/web"
        try FileManager.default.createDirectory(atPath: "\(root)/img", withIntermediateDirectories: true)
        try Data("<!doctype html><title>t</title>".utf8).write(to: URL(fileURLWithPath: "\(root)/index.html"))
        try Data(binary).write(to: URL(fileURLWithPath: "\(root)/img/logo.png"))
        return root
    }

    @Test("files: exact bytes; HEAD and 304 send no body, HEAD with the file's length; no body on GET; 405 for other methods")
    func files() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "1", "--web-root", try Self.webRoot(in: folder)])
        let client = ServeClient(port: serve.port)

        let image = try await client.send("GET", "/img/logo.png")
        #expect(image.status == 200)
        #expect(image.header("content-type") == "image/png")
        #expect(image.body == Data(Self.binary), "the bytes as they are on disk")
        #expect(image.header("content-length") == String(Self.binary.count))
        let etag = try #require(image.header("etag"))

        // HEAD, then a 304, then a GET on one keep-alive connection: each answer's header says
        // the image's length and no byte of it follows, or the next answer would not parse.
        let connection = try RawConnection(port: serve.port)
        connection.send("HEAD /img/logo.png HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let head = try #require(Self.header(from: connection), "an answer to HEAD")
        #expect(head.hasPrefix("HTTP/1.1 200 "), "\(head)")
        #expect(head.lowercased().contains("content-length: \(Self.binary.count)\r\n"), "\(head)")
        #expect(connection.receive(within: .milliseconds(300)) == nil, "nothing after the header of a HEAD answer")
        connection.send("GET /img/logo.png HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-None-Match: \(etag)\r\n\r\n")
        let notModified = try #require(Self.header(from: connection), "an answer to a conditional GET")
        #expect(notModified.hasPrefix("HTTP/1.1 304 "), "\(notModified)")
        #expect(notModified.lowercased().contains("etag: \(etag.lowercased())\r\n"), "\(notModified)")
        // (A 304 may leave out content-length, and NIO's encoder does; never a length of 0.)
        #expect(!notModified.lowercased().contains("content-length: 0\r\n"), "\(notModified)")
        #expect(connection.receive(within: .milliseconds(300)) == nil, "nothing after the header of a 304")
        connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let health = try #require(connection.receiveResponse(within: .seconds(30)))
        #expect(health.status == 200, "\(health.text)")

        // A body on GET is refused unread, as on every route that takes none.
        let withBody = try #require(HostileClients.request(port: serve.port, "GET", "/", body: Array("hello".utf8)))
        #expect(withBody.status == 400, "\(withBody.text)")
        #expect(withBody.text.contains(#""code":"BAD_REQUEST""#) && withBody.text.contains("GET / takes no request body."), "\(withBody.text)")
        // A file takes GET and HEAD only.
        let post = try await client.send("POST", "/img/logo.png", body: Data("x".utf8))
        #expect(post.status == 405 && post.errorCode == "METHOD_NOT_ALLOWED", "\(post.text)")
        #expect(post.header("allow") == "GET, HEAD")

        // Each answer has its line in the request log, naming the web app as the responder.
        #expect(serve.log.contains(#/GET /img/logo.png 200 \d+ ms web [0-9a-f-]{36}\n/#), "\(serve.log.suffix(2000))")
        #expect(serve.log.contains(#/HEAD /img/logo.png 200 \d+ ms web [0-9a-f-]{36}\n/#))
        #expect(serve.log.contains(#/GET /img/logo.png 304 \d+ ms web [0-9a-f-]{36}\n/#))
        #expect(serve.log.contains(#/GET / 400 \d+ ms web [0-9a-f-]{36}\n/#))
        try await serve.expectAliveAndQuick()
        try await serve.stop()
    }

    @Test("dev login: refused by its header before its body is read, its 4 KiB body limit, the body timeout; then a token that works")
    func devLogin() async throws {
        let folder = TemporaryFolder()
        let webRoot = try Self.webRoot(in: folder)
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "1", "--web-root", webRoot])
        let port = serve.port

        // Each of these announces a body and never sends it: the answer comes from the header.
        let refusals: [(headers: String, status: Int, code: String)] = [
            ("Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 4097\r\n", 413, "PAYLOAD_TOO_LARGE"),
            ("Host: rebound.evil.example\r\nContent-Type: application/json\r\nContent-Length: 100\r\n", 403, "FORBIDDEN"),
            ("Host: 127.0.0.1\r\nHost: evil.example\r\nContent-Type: application/json\r\nContent-Length: 100\r\n", 403, "FORBIDDEN"),
            ("Host: 127.0.0.1\r\nOrigin: https://evil.example\r\nContent-Type: application/json\r\nContent-Length: 100\r\n", 403, "FORBIDDEN"),
            ("Host: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n", 415, "UNSUPPORTED_MEDIA_TYPE"),
        ]
        for (index, refusal) in refusals.enumerated() {
            let connection = try RawConnection(port: port)
            connection.send("POST /dev/token HTTP/1.1\r\n\(refusal.headers)\r\n")
            let answer = try #require(connection.receiveResponse(within: .seconds(30)), "case \(index): answered before the body")
            #expect(answer.status == refusal.status && answer.text.contains(#""code":"\#(refusal.code)""#), "case \(index): \(answer.text)")
            #expect(!answer.text.contains("token\""), "case \(index)")
        }
        // A GET is the wrong method before it is a body on a route that takes none.
        let get = try #require(HostileClients.request(port: port, "GET", "/dev/token", body: Array("{}".utf8)))
        #expect(get.status == 405 && get.text.lowercased().contains("allow: post\r\n"), "\(get.text)")

        // A chunked body is refused once it passes 4 KiB.
        let chunk = "{\"user\":\"grace\"" + String(repeating: " ", count: 985) + "\r\n"
        let chunked = String(repeating: "3e8\r\n" + chunk, count: 5) + "0\r\n\r\n"
        let tooLong = try #require(
            HostileClients.request(
                port: port, "POST", "/dev/token", headers: ["Content-Type": "application/json", "Transfer-Encoding": "chunked"],
                body: Array(chunked.utf8)))
        #expect(tooLong.status == 413 && tooLong.text.contains("4096-byte limit"), "\(tooLong.text)")

        // The body arriving in pieces, as a slow client sends it, is read whole.
        let pieces = try RawConnection(port: port)
        let body = #"{"user":"grace"}"#
        pieces.send("POST /dev/token HTTP/1.1\r\nHost: localhost:\(port)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
        for piece in [String(body.prefix(5)), String(body.dropFirst(5))] {
            try await Task.sleep(for: .milliseconds(200))
            pieces.send(piece)
        }
        let minted = try #require(pieces.receiveResponse(within: .seconds(30)))
        #expect(minted.status == 200, "\(minted.text)")
        let token = try #require(minted.text.components(separatedBy: "\r\n\r\n").last.flatMap { Self.token(in: $0) })
        let progress = try await ServeClient(port: port).send("GET", "/users/me/progress", token: token)
        #expect(progress.status == 200 && progress.json["userId"] as? String == "grace", "\(progress.text)")
        #expect(serve.log.contains(#/POST /dev/token 200 \d+ ms dev-login [0-9a-f-]{36}\n/#))
        #expect(!serve.log.contains(token), "the token is never logged")
        try await serve.expectAliveAndQuick()
        try await serve.stop()

        // A body that stops halfway is cut off at the body timeout (a runner of its own, so that
        // no other request here races a 1 s limit).
        let strict = try await ServeInstance(folder: folder, arguments: ["--workers", "1", "--body-timeout", "1", "--web-root", webRoot])
        let stalled = try RawConnection(port: strict.port)
        stalled.send("POST /dev/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user\":")
        let (received, closed) = stalled.receiveUntilClosed(within: .seconds(20))
        #expect(closed && received.isEmpty, "a stalled dev login upload is closed, unanswered, at the 1 s body timeout")
        try await strict.expectAliveAndQuick()
        try await strict.stop()
    }

    // MARK: - Reading

    /// A response's header block, read from `connection` up to its blank line (30 s at most).
    static func header(from connection: RawConnection) -> String? {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let end = String(decoding: received, as: UTF8.self).range(of: "\r\n\r\n") {
                let text = String(decoding: received, as: UTF8.self)
                // Bytes past the blank line would be a body where there must be none.
                #expect(text[end.upperBound...].isEmpty, "bytes after the header: \(text[end.upperBound...].utf8.count)")
                return String(text[..<end.upperBound])
            }
            guard let chunk = connection.receive(within: .milliseconds(200)) else { continue }
            if chunk.isEmpty { return nil }
            received += chunk
        }
        return nil
    }

    /// The `token` of a dev login's JSON answer.
    static func token(in body: String) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["token"] as? String
    }
}
