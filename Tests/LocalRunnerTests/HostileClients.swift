import Foundation
import Glibc
import ProcessTools
import Synchronization
import QuizTestSupport
import Testing

/// Many raw clients at once, each on a thread of its own (blocking sockets must not sit on
/// the two threads of Swift's cooperative pool), awaited without blocking it.
enum HostileClients {
    /// Runs `body` for `0..<count`, each on its own thread, and returns the results in order.
    static func run<Result: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> Result) async -> [Result] {
        await withCheckedContinuation { continuation in
            let results = Mutex([Result?](repeating: nil, count: count))
            let remaining = Atomic(count)
            for index in 0..<count {
                let thread = Thread {
                    let result = body(index)
                    results.withLock { $0[index] = result }
                    if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
                        continuation.resume(returning: results.withLock { $0.map { $0! } })
                    }
                }
                thread.stackSize = 256 * 1024
                thread.start()
            }
        }
    }

    /// One request over a new connection: its status and text, `nil` when no answer came.
    static func request(
        port: Int, _ method: String, _ path: String, token: String? = nil, headers: [String: String] = [:], body: [UInt8] = [],
        within limit: Duration = .seconds(60)
    ) -> (status: Int, text: String)? {
        guard let connection = try? RawConnection(port: port) else { return nil }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if headers["Transfer-Encoding"] == nil, !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        guard connection.send(head + "\r\n"), body.isEmpty || connection.send(body) else { return nil }
        return connection.receiveResponse(within: limit)
    }

    /// The lines of `received.log`, the user ids the stand-in worker was handed.
    static func received(in folder: TemporaryFolder) -> [String] {
        ((try? String(contentsOfFile: "\(folder.path)/received.log", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Waits until the stand-in was handed `user` (up to `limit`); false if it never was.
    static func waitUntilReceived(_ user: String, in folder: TemporaryFolder, within limit: Duration = .seconds(30)) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if received(in: folder).contains(user) { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}

extension ServeInstance {
    /// Expects the runner to be running and to answer `GET /health` within 100 ms: the best of
    /// up to 50 tries a tenth of a second apart, so that a moment's scheduling noise on two cores
    /// does not decide, while a runner still busy with what came before would fail them all.
    /// The suites that call it run in the test command's second pass (`QUIET_SUITES` in the
    /// Makefile), one at a time, without the rest of the suite beside them.
    func expectAliveAndQuick(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(process.isRunning, "serve has exited:\n\(log.suffix(3000))", sourceLocation: sourceLocation)
        var best = Duration.seconds(3600)
        for _ in 0..<50 where best >= .milliseconds(100) {
            let started = ContinuousClock.now
            let health = try await ServeClient(port: port).send("GET", "/health")
            best = min(best, ContinuousClock.now - started)
            #expect(health.status == 200, "GET /health: \(health.status) \(health.text)", sourceLocation: sourceLocation)
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(best < .milliseconds(100), "GET /health took \(best) at best", sourceLocation: sourceLocation)
    }

    /// The runner's peak resident memory so far (`VmHWM` of `/proc/PID/status`), in MiB.
    var peakResidentMiB: Double {
        let status = ProcessTable.procFile("/proc/\(process.processIdentifier)/status") ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
        let kiB = line?.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Double($0) } ?? 0
        return kiB / 1024
    }
}
