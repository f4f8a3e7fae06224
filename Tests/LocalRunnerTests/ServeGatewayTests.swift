import Foundation
import QuizTestSupport
import Testing

/// The API Gateway side of `local-runner serve`: tokens, routes, sizes, and the event the
/// functions receive (docs/http-contract.md#identity-and-isolation).
@Suite("serve: gateway", .serialized)
struct ServeGatewayTests {
    @Test("tokens: none, malformed, forged, expired or another scheme get 401; a valid one 200; /health needs none")
    func authentication() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "1"])
        let client = ServeClient(port: serve.port)
        let valid = try ServeTokens.mint("learner-7")
        let forged = try ServeTokens.mint("learner-7", secret: "not-the-runner-secret-but-as-long-as-it")
        let expiring = try ServeTokens.mint("learner-7", lifetime: 1)

        let missing = try await client.send("GET", "/users/me/progress")
        #expect(missing.status == 401)
        #expect(missing.errorCode == "UNAUTHENTICATED")
        #expect(missing.header("www-authenticate") == "Bearer")
        #expect(missing.errorRequestID == missing.header("apigw-requestid"))
        #expect(missing.header("x-quiz-worker") == nil, "no worker ran")

        for (name, authorization) in [("malformed", "Bearer not.a.jwt"), ("forged", "Bearer \(forged)"), ("basic", "Basic dXNlcjpwYXNz")] {
            let refused = try await client.send("GET", "/users/me/progress", headers: ["Authorization": authorization])
            #expect(refused.status == 401, "\(name)")
            #expect(refused.errorCode == "UNAUTHENTICATED", "\(name)")
        }
        #expect(try await client.send("GET", "/users/me/progress", headers: ["Authorization": "Bearer \(forged)"]).header("www-authenticate")
            == #"Bearer error="invalid_token""#)

        let accepted = try await client.send("GET", "/users/me/progress", token: valid)
        #expect(accepted.status == 200, "\(accepted.text)")
        #expect(accepted.json["userId"] as? String == "learner-7", "the token's sub reached the function as the caller")
        let lowerCase = try await client.send("GET", "/users/me/progress", headers: ["Authorization": "bearer \(valid)"])
        #expect(lowerCase.status == 200, "the scheme is case-insensitive")

        let health = try await client.send("GET", "/health")
        #expect(health.status == 200)
        #expect(health.json["status"] as? String == "ok")

        // JWT expiry has one-second resolution: wait until the token is certainly past it.
        try await Task.sleep(for: .milliseconds(2_500))
        let expired = try await client.send("GET", "/users/me/progress", token: expiring)
        #expect(expired.status == 401)
        #expect(expired.errorCode == "UNAUTHENTICATED")
        try await serve.stop()
    }

    @Test("unknown routes get 404, known paths with another method 405, bodies over 6 MB 413; all structured")
    func routingAndLimits() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "1"])
        let client = ServeClient(port: serve.port)
        let author = try ServeTokens.mint("author", groups: ["authors"])

        let unknown = try await client.send("GET", "/no/such/route", token: author)
        #expect(unknown.status == 404)
        #expect(unknown.errorCode == "NOT_FOUND")
        #expect(unknown.errorRequestID == unknown.header("apigw-requestid"))
        #expect((unknown.json["error"] as? [String: Any])?["message"] as? String == "No route matches GET /no/such/route.")

        let wrongMethod = try await client.send("DELETE", "/sessions", token: author)
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.errorCode == "METHOD_NOT_ALLOWED")
        #expect(wrongMethod.header("allow") == "POST")

        let tooLarge = try await client.send(
            "POST", "/banks/b1/questions", token: author, body: Data(repeating: UInt8(ascii: " "), count: 6 * 1024 * 1024 + 1),
            headers: ["Content-Type": "application/json"])
        #expect(tooLarge.status == 413)
        #expect(tooLarge.errorCode == "PAYLOAD_TOO_LARGE")
        #expect(serve.log.contains("POST /banks/b1/questions 413 "))
        try await serve.stop()
    }

    @Test("path parameters, query strings, text and binary bodies reach the function as API Gateway sends them")
    func eventFidelity() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "1"])
        let client = ServeClient(port: serve.port)
        let author = try ServeTokens.mint("author", groups: ["authors"])

        // A text body that is not JSON travels as is.
        let csv = "id,category,text,answer:a,answer:b,correct\n" + (0..<5).map { "c\($0),csv,\"Question \($0), in CSV?\",one,two,b\n" }.joined()
        let imported = try await client.send(
            "POST", "/banks/csv-bank/questions", token: author, body: Data(csv.utf8), headers: ["Content-Type": "text/csv"])
        #expect(imported.status == 201, "\(imported.text)")
        let csvPage = try await client.send("GET", "/banks/csv-bank/questions?category=csv", token: author)
        #expect((csvPage.json["questions"] as? [[String: Any]])?.first?["text"] as? String == "Question 0, in CSV?")

        try await client.importBank("b1", questions: 5, token: author)
        let page = try await client.send("GET", "/banks/b1/questions?limit=2", token: author)
        #expect(page.status == 200, "\(page.text)")
        #expect(page.json["bankId"] as? String == "b1")
        #expect((page.json["questions"] as? [Any])?.count == 2)
        #expect(page.json["nextCursor"] is String)

        // Not UTF-8: the event carries it base64-encoded, and the function reads it as bytes.
        let learner = try ServeTokens.mint("learner")
        let binary = try await client.send(
            "POST", "/sessions", token: learner, body: Data([0xFF, 0xFE, 0x00, 0x7B]), headers: ["Content-Type": "application/json"])
        #expect(binary.status == 400)
        #expect(binary.errorCode == "MALFORMED_JSON")
        try await serve.stop()
    }
}
