import Foundation
import QuizTestSupport
import Testing

@testable import local_runner

/// `POST /dev/token`, the local sign-in that exists only in `serve`: learner tokens for anyone
/// who can reach the port, author tokens only with `--dev-login-authors`, nothing with
/// `--no-dev-login`, and never for a page of another site.
@Suite("Dev login")
struct DevLoginTests {
    @Test("by default it mints learner tokens that the API accepts, and refuses author tokens")
    func learnerTokensOnly() async throws {
        let serve = try await WebAppServe(arguments: ["--workers", "1"])
        let client = WebClient(port: serve.port)
        let minted = try await client.send("POST", "/dev/token", json: ["user": "grace"])
        #expect(minted.status == 200, "\(minted.text)")
        #expect(minted.header("cache-control") == "no-store")
        #expect(minted.json["user"] as? String == "grace" && minted.json["groups"] as? [String] == [])
        let token = try #require(minted.json["token"] as? String)
        let progress = try await client.send("GET", "/users/me/progress", token: token)
        #expect(progress.status == 200 && progress.json["userId"] as? String == "grace")

        let author = try await client.send("POST", "/dev/token", json: ["user": "mallory", "author": true])
        #expect(author.status == 403 && author.errorCode == "FORBIDDEN")
        #expect((author.json["error"] as? [String: Any])?["message"] as? String == "Author sign-in is off: start serve with --dev-login-authors to allow it.")
        // A learner token cannot import.
        let imported = try await client.send("POST", "/banks/demo/questions", token: token, json: [[String: Any]]())
        #expect(imported.status == 403, "\(imported.text)")
        await serve.stop()
    }

    @Test("--dev-login-authors lets it mint author tokens that may import")
    func authorTokensWhenAllowed() async throws {
        let serve = try await WebAppServe(arguments: ["--workers", "1", "--dev-login-authors"])
        let client = WebClient(port: serve.port)
        let minted = try await client.send("POST", "/dev/token", json: ["user": "ada", "author": true])
        #expect(minted.status == 200 && minted.json["groups"] as? [String] == ["authors"], "\(minted.text)")
        let token = try #require(minted.json["token"] as? String)
        let bank: [[String: Any]] = [
            ["id": "q1", "text": "2 + 2?", "answers": [["id": "a", "text": "4"], ["id": "b", "text": "5"]], "correctAnswers": ["a"]]
        ]
        let imported = try await client.send("POST", "/banks/demo/questions", token: token, json: bank)
        #expect(imported.status == 201, "\(imported.text)")
        await serve.stop()
    }

    @Test("--no-dev-login: the route does not exist")
    func off() async throws {
        let serve = try await WebAppServe(arguments: ["--workers", "1", "--no-dev-login"])
        let response = try await WebClient(port: serve.port).send("POST", "/dev/token", json: ["user": "grace"])
        #expect(response.status == 404 && response.errorCode == "NOT_FOUND", "\(response.text)")
        await serve.stop()
    }

    @Test("refuses other sites' pages, other host names, other media types, bad names and large bodies")
    func hostileRequests() async throws {
        let serve = try await WebAppServe(arguments: ["--workers", "1", "--dev-login-authors"])
        let client = WebClient(port: serve.port)
        let json = Data(#"{"user":"grace"}"#.utf8)
        let cases: [(headers: [String: String], body: Data, method: String, status: Int, code: String)] = [
            (["Content-Type": "application/json", "Origin": "https://evil.example"], json, "POST", 403, "FORBIDDEN"),
            (["Content-Type": "application/json", "Origin": "null"], json, "POST", 403, "FORBIDDEN"),
            (["Content-Type": "application/json", "Host": "rebound.evil.example:\(serve.port)"], json, "POST", 403, "FORBIDDEN"),
            (["Content-Type": "text/plain"], json, "POST", 415, "UNSUPPORTED_MEDIA_TYPE"),
            (["Content-Type": "application/json"], Data(#"{"user":"a b"}"#.utf8), "POST", 422, "VALIDATION_FAILED"),
            (["Content-Type": "application/json"], Data(#"{"user":""}"#.utf8), "POST", 422, "VALIDATION_FAILED"),
            (["Content-Type": "application/json"], Data("not json".utf8), "POST", 400, "MALFORMED_JSON"),
            (["Content-Type": "application/json"], Data(repeating: UInt8(ascii: " "), count: 5000), "POST", 413, "PAYLOAD_TOO_LARGE"),
            ([:], Data(), "GET", 405, "METHOD_NOT_ALLOWED"),
        ]
        for (index, item) in cases.enumerated() {
            let response = try await client.send(item.method, "/dev/token", body: item.method == "GET" ? nil : item.body, headers: item.headers)
            #expect(response.status == item.status && response.errorCode == item.code, "case \(index): \(response.status) \(response.text)")
            #expect(response.json["token"] == nil, "case \(index)")
        }
        let sameSite = try await client.send(
            "POST", "/dev/token", body: json, headers: ["Content-Type": "application/json; charset=utf-8", "Origin": "http://localhost:\(serve.port)"])
        #expect(sameSite.status == 200, "\(sameSite.text)")
        // One line per request, as every request of serve gets: method, path, status, time, who answered, request id.
        #expect(serve.log.contains(#/POST \/dev\/token 403 \d+ ms dev-login [0-9a-f-]{36}\n/#))
        #expect(!serve.log.contains(sameSite.json["token"] as? String ?? "no token"), "the token was logged")
        await serve.stop()
    }

    @Test("--no-dev-login with --dev-login-authors is refused before anything starts")
    func contradictoryOptions() throws {
        let process = Process()
        process.executableURL = WebAppServe.executable
        process.arguments = ["serve", "--no-dev-login", "--dev-login-authors"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(text.contains("--dev-login-authors needs dev login"), "\(text)")
    }

    @Test(
        "host names and origins",
        arguments: [
            ("127.0.0.1:3000", "127.0.0.1"), ("LOCALHOST", "localhost"), ("[::1]:8080", "[::1]"), ("evil.example:3000", "evil.example"),
            ("127.0.0.1.evil.example", "127.0.0.1.evil.example"),
        ])
    func hostNames(host: String, name: String) {
        #expect(DevLogin.hostName(host) == name)
    }

    @Test("loopback origins only")
    func origins() {
        #expect(DevLogin.isLoopbackOrigin("http://127.0.0.1:3000"))
        #expect(DevLogin.isLoopbackOrigin("http://localhost:3000"))
        #expect(DevLogin.isLoopbackOrigin("http://[::1]:3000"))
        #expect(!DevLogin.isLoopbackOrigin("http://localhost.evil.example"))
        #expect(!DevLogin.isLoopbackOrigin("null"))
        #expect(!DevLogin.isLoopbackOrigin("file://"))
        #expect(!DevLogin.isLoopbackOrigin("https://127.0.0.1.nip.io"))
    }
}
