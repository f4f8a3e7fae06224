import Foundation
import Glibc
import ProcessTools
import QuizTestSupport
import Testing

/// `local-runner serve` against hostile requests: each limit refuses early and clearly, no
/// worker dies of what a client sent, and the runner answers `GET /health` within 100 ms
/// afterwards (docs/local-runner.md, "Limits").
@Suite("serve: hostile requests", .serialized)
struct ServeHostileRequestTests {
    /// Control bytes, which JSON escapes as six bytes each (`\u0001`).
    static func controlBytes(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(1 + $0 % 31) }
    }

    @Test("a body on a route that takes none gets 400 unread; an event too large for a worker gets 413 before it is queued")
    func bodiesAndEventSizes() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "1"])
        let workers = Set(serve.workers())
        let author = try ServeTokens.mint("author", groups: ["authors"])
        let port = serve.port

        // The reported bug: 3 MB of control bytes on GET /health made an event past the
        // worker's Runtime API client limit, and the worker died.
        let health = try #require(HostileClients.request(port: port, "GET", "/health", body: Self.controlBytes(3 * 1024 * 1024)))
        #expect(health.status == 400, "\(health.text)")
        #expect(health.text.contains(#""code":"BAD_REQUEST""#))
        #expect(health.text.contains("GET /health takes no request body."))
        let chunked = try #require(
            HostileClients.request(
                port: port, "GET", "/users/me/progress", token: author, headers: ["Transfer-Encoding": "chunked"],
                body: Array("5\r\nhello\r\n0\r\n\r\n".utf8)))
        #expect(chunked.status == 400, "\(chunked.text)")

        // 2 MB of control bytes is a legal body but a 12 MB event: refused, never queued.
        let escaped = try #require(HostileClients.request(port: port, "POST", "/sessions", token: author, body: Self.controlBytes(2 * 1024 * 1024)))
        #expect(escaped.status == 413, "\(escaped.text)")
        #expect(escaped.text.contains(#""code":"PAYLOAD_TOO_LARGE""#))
        #expect(escaped.text.contains("once encoded for the function"))
        // Announced too large: refused before a byte of the body is read.
        let announced = try RawConnection(port: port)
        announced.send("POST /banks/b/questions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(author)\r\nContent-Length: 6291457\r\n\r\n")
        let early = try #require(announced.receiveResponse(within: .seconds(30)), "413 before the body was sent")
        #expect(early.status == 413)
        // Chunked past the limit: refused once the limit is crossed.
        let chunks = (0..<7).map { _ in "100000\r\n" + String(repeating: " ", count: 0x100000) + "\r\n" }.joined() + "0\r\n\r\n"
        let overChunked = try #require(
            HostileClients.request(port: port, "POST", "/banks/b/questions", token: author, headers: ["Transfer-Encoding": "chunked"], body: Array(chunks.utf8)))
        #expect(overChunked.status == 413, "\(overChunked.text)")

        #expect(Set(serve.workers()) == workers, "no worker died or was replaced")
        #expect(!serve.log.contains("replaced"), "\(serve.log.suffix(2000))")
        try await serve.expectAliveAndQuick()
        try await serve.stop()
    }

    @Test("a flood past the queue bound gets 503 with Retry-After, a wait past the deadline 504; neither reaches a worker")
    func queueBoundAndDeadline() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(
            folder: folder,
            arguments: ["--workers", "1", "--timeout", "4", "--queue-depth", "3", "--queue-timeout", "1",
                "--bootstrap-dir", try ServeStandInTests.bootstrapDirectory(in: folder)])
        let token = try ServeTokens.mint("flooder")
        let port = serve.port
        let hung = Task { try await ServeClient(port: port).send("GET", "/users/hang-0/progress", token: token) }
        #expect(try await HostileClients.waitUntilReceived("hang-0", in: folder), "the only worker holds hang-0")

        let started = ContinuousClock.now
        let flood = await HostileClients.run(40) { index in
            HostileClients.request(port: port, "GET", "/users/flood-\(index)/progress", token: token)
        }
        let statuses = flood.map { $0?.status ?? 0 }
        #expect(statuses.filter { $0 == 503 }.count == 37, "\(statuses)")
        #expect(statuses.filter { $0 == 504 }.count == 3, "the queue held 3 until its deadline: \(statuses)")
        #expect(ContinuousClock.now - started < .seconds(3.5), "the 504s came at the 1 s deadline, not the 4 s timeout")
        let busy = try #require(flood.compactMap { $0 }.first { $0.status == 503 })
        #expect(busy.text.lowercased().contains("retry-after: 1\r\n"), "\(busy.text)")
        #expect(busy.text.contains(#""code":"SERVER_BUSY""#))
        let late = try #require(flood.compactMap { $0 }.first { $0.status == 504 })
        #expect(late.text.contains(#""code":"QUEUE_TIMEOUT""#))

        let timedOut = try await hung.value
        #expect(timedOut.status == 504)
        #expect(timedOut.errorCode == "WORKER_TIMEOUT")
        #expect(!HostileClients.received(in: folder).contains { $0.hasPrefix("flood-") }, "\(HostileClients.received(in: folder))")
        try await serve.expectAliveAndQuick()
        try await serve.stop()
    }

    @Test("a queued request whose client has gone never reaches a worker; a worker killed with requests queued fails only its own")
    func goneClientsAndKilledWorkers() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(
            folder: folder, arguments: ["--workers", "1", "--timeout", "3", "--bootstrap-dir", try ServeStandInTests.bootstrapDirectory(in: folder)])
        let token = try ServeTokens.mint("leaver")
        let port = serve.port
        let client = ServeClient(port: port)

        let hung = Task { try await client.send("GET", "/users/hang-0/progress", token: token) }
        #expect(try await HostileClients.waitUntilReceived("hang-0", in: folder))
        let leaving = try RawConnection(port: port)
        leaving.send("GET /users/gone-1/progress HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n")
        try await Task.sleep(for: .milliseconds(300))
        leaving.close()
        // The hung worker is killed at its 3 s timeout; its replacement takes the queue's next.
        #expect(try await hung.value.status == 504)
        let after = try await client.send("GET", "/users/after-1/progress", token: token)
        #expect(after.status == 200, "\(after.text)")
        #expect(HostileClients.received(in: folder) == ["hang-0", "after-1"], "gone-1 never reached a worker")

        // Now a worker dies with three requests waiting behind it.
        let victim = try #require(after.workerPID)
        let held = Task { try await client.send("GET", "/users/hang-2/progress", token: token) }
        #expect(try await HostileClients.waitUntilReceived("hang-2", in: folder))
        let waiting = (0..<3).map { index in Task { try await client.send("GET", "/users/queued-\(index)/progress", token: token) } }
        try await Task.sleep(for: .milliseconds(300))
        kill(victim, SIGKILL)
        let crashed = try await held.value
        #expect(crashed.status == 502)
        #expect(crashed.errorCode == "WORKER_FAILED")
        for task in waiting {
            let served = try await task.value
            #expect(served.status == 200, "\(served.text)")
            #expect(served.workerPID != victim, "served by the replacement")
        }
        try await serve.expectAliveAndQuick()
        try await serve.stop()
    }

    @Test("tokens with absurd claims get 401 and never stop the runner; sub is used exactly as given")
    func absurdTokens() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "1"])
        let client = ServeClient(port: serve.port)
        let now = CraftedTokens.now
        let absurd = try CraftedTokens.sign(payloads: [
            #"{"sub":"mallory","iss":"local-runner","iat":\#(now),"exp":9223372036854775807}"#,
            #"{"sub":"mallory","iss":"local-runner","iat":\#(now),"exp":1e308}"#,
            #"{"sub":"mallory","iss":"local-runner","iat":-5,"exp":"soon"}"#,
            #"{"sub":"mallory","iss":"local-runner","iat":\#(now),"exp":\#(now + 60),"nbf":[]}"#,
            #"{"sub":"mallory","iss":"local-runner","iat":\#(now),"exp":\#(now + 60),"cognito:groups":"x,authors"}"#,
            #"{"sub":"","iss":"local-runner","iat":\#(now),"exp":\#(now + 60)}"#,
            #"{"sub":"a\u0000b","iss":"local-runner","iat":\#(now),"exp":\#(now + 60)}"#,
        ])
        for token in absurd {
            let refused = try await client.send("GET", "/users/me/progress", token: token)
            #expect(refused.status == 401, "\(refused.text)")
            #expect(refused.errorCode == "UNAUTHENTICATED")
        }
        // A group named "x,authors" is not authors, and cannot import.
        let comma = try ServeTokens.mint("mallory", groups: ["x,authors"])
        let imported = try await client.send("POST", "/banks/b/questions", token: comma, json: sampleBank(1))
        #expect(imported.status == 403, "\(imported.text)")
        // " a" and "a" are two users.
        let spaced = try await client.send("GET", "/users/me/progress", token: try ServeTokens.mint(" a"))
        let plain = try await client.send("GET", "/users/me/progress", token: try ServeTokens.mint("a"))
        #expect(spaced.json["userId"] as? String == " a")
        #expect(plain.json["userId"] as? String == "a")
        try await serve.expectAliveAndQuick()
        try await serve.stop()
    }
}
