import Foundation
import Glibc
import ProcessTools
import QuizTestSupport
import Testing

/// `local-runner serve` against hostile connections: slow headers, stalled uploads, idle
/// sockets and many large bodies at once cost it bounded time and memory, and it answers
/// `GET /health` within 100 ms throughout and afterwards (docs/local-runner.md, "Limits").
@Suite("serve: hostile connections", .serialized)
struct ServeHostileConnectionTests {
    @Test("slowloris headers and idle connections are closed at their timeouts; /health stays quick meanwhile")
    func slowHeadersAndIdleConnections() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "1", "--header-timeout", "1", "--idle-timeout", "2"])
        let port = serve.port
        // 50 clients send a header one byte every 200 ms, forever; 10 connect and say nothing.
        let idle = try (0..<10).map { _ in try RawConnection(port: port) }
        async let slowloris = HostileClients.run(50) { _ -> Duration? in
            guard let connection = try? RawConnection(port: port) else { return nil }
            let started = ContinuousClock.now
            connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            while ContinuousClock.now - started < .seconds(20) {
                guard connection.send("X"), connection.receive(within: .milliseconds(200)) == nil else {
                    return ContinuousClock.now - started
                }
            }
            return nil
        }
        try await Task.sleep(for: .milliseconds(400))
        try await serve.expectAliveAndQuick()
        let cutOff = await slowloris
        #expect(cutOff.allSatisfy { $0 != nil }, "every slowloris connection was closed")
        #expect(cutOff.compactMap { $0 }.allSatisfy { $0 < .seconds(5) }, "within the 1 s header timeout and its check interval: \(cutOff)")
        for connection in idle {
            let (_, closed) = connection.receiveUntilClosed(within: .seconds(10))
            #expect(closed, "an idle connection was closed")
        }
        try await serve.expectAliveAndQuick()
        try await serve.stop()
    }

    @Test("past --max-connections a connection waits to be accepted, and is served once another closes")
    func connectionCap() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "1", "--max-connections", "3"])
        let port = serve.port
        // The harness's own client may hold a keep-alive connection from the startup check: fill
        // the cap with idle raw connections whatever it holds.
        var held = try (0..<3).map { _ in try RawConnection(port: port) }
        let waiting = try RawConnection(port: port)
        waiting.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(waiting.receiveResponse(within: .seconds(2)) == nil, "no answer while the cap is reached")
        held.removeAll()
        let served = try #require(waiting.receiveResponse(within: .seconds(30)), "served once the others closed")
        #expect(served.status == 200)
        try await serve.stop()
    }

    @Test("500 stalled uploads are closed at the body timeout and hold no memory meanwhile")
    func stalledUploads() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "1", "--body-timeout", "2", "--max-connections", "1000"])
        let port = serve.port
        let token = try ServeTokens.mint("staller")
        let uploads = try (0..<500).map { _ in try RawConnection(port: port) }
        for connection in uploads {
            connection.send(
                "POST /sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 1000000\r\n\r\n{\"bankId\":")
        }
        try await serve.expectAliveAndQuick()
        let descriptors = uploads.map(\.descriptor)
        let closed = await HostileClients.run(1) { _ in
            descriptors.allSatisfy { RawConnection.isClosed($0, within: .seconds(15)) }
        }
        #expect(closed == [true], "every stalled upload was closed")
        withExtendedLifetime(uploads) {}
        #expect(serve.peakResidentMiB < 256, "peak RSS \(serve.peakResidentMiB) MiB")
        try await serve.expectAliveAndQuick()
        try await serve.stop()
    }

    @Test("200 parallel 6 MB bodies: each gets a clear answer, no worker sees one, and the runner's RSS stays under 400 MiB")
    func parallelLargeBodies() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "1"])
        let port = serve.port
        let author = try ServeTokens.mint("author", groups: ["authors"])
        // Control bytes: each body is legal on its own, but the event it makes (escaped six-fold)
        // is not, so the runner reads each, holding it against its byte budget, and refuses it.
        let body = ServeHostileRequestTests.controlBytes(6_000_000)
        let answers = await HostileClients.run(200) { _ -> Int in
            guard let connection = try? RawConnection(port: port) else { return -1 }
            connection.send(
                "POST /banks/big/questions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(author)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n")
            // Send in 256 KiB pieces, stopping early if the runner has already answered.
            var offset = 0
            while offset < body.count, !connection.isReadable(within: .zero) {
                let end = min(offset + 262_144, body.count)
                guard connection.send(Array(body[offset..<end])) else { break }
                offset = end
            }
            return connection.receiveResponse(within: .seconds(120))?.status ?? 0
        }
        let peak = serve.peakResidentMiB
        #expect(answers.allSatisfy { [413, 503].contains($0) }, "\(Dictionary(grouping: answers) { $0 }.mapValues(\.count))")
        #expect(answers.contains(413), "some were read to their end and refused as events")
        #expect(answers.contains(503), "the byte budget refused some while others were held")
        #expect(peak < 400, "peak RSS \(peak) MiB")
        try await serve.expectAliveAndQuick()
        try await serve.stop()
    }
}
