import Foundation
import ProcessTools
import Synchronization
import QuizTestSupport
import Testing

/// `serve --watch`: a change to a function's sources rebuilds it, and its workers are replaced
/// while requests keep coming, none failed, lost or run twice; a failed build keeps the old
/// workers. The package is a temporary one (``WatchPackage``), never the repository.
@Suite("serve: rebuilding changed functions (--watch)", .serialized)
struct ServeWatchTests {
    /// One reply as a client saw it.
    struct Seen: Sendable {
        var user: String
        var status: Int
        var version: String?
        var pid: Int?
    }

    /// Starts serve over `package`, rebuilding with its fake or real `swift`.
    static func serve(_ package: WatchPackage, in folder: TemporaryFolder, workers: Int) async throws -> ServeInstance {
        var arguments = ["--workers", String(workers), "--watch", "--watch-interval", "100", "--bootstrap-dir", package.bootstraps]
        if let swift = package.fakeSwift { arguments += ["--swift", swift] }
        return try await ServeInstance(folder: folder, arguments: arguments)
    }

    /// GET /users/USER/progress.
    static func ask(_ client: ServeClient, _ user: String, token: String) async throws -> Seen {
        let reply = try await client.send("GET", "/users/\(user)/progress", token: token)
        return Seen(user: user, status: reply.status, version: reply.json["version"] as? String, pid: reply.json["pid"] as? Int)
    }

    /// Asks until a reply comes from `version` (each reply kept in `seen`); false at the limit.
    static func waitForVersion(
        _ version: String, _ client: ServeClient, token: String, seen: inout [Seen], within limit: Duration = .seconds(120)
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let reply = try await ask(client, "probe-\(seen.count)", token: token)
            seen.append(reply)
            if reply.version == version { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test("a changed source is rebuilt and its workers replaced under load: every request answered once, old code then new")
    func replacedUnderLoad() async throws {
        let folder = TemporaryFolder()
        let package = try WatchPackage.fake(in: folder)
        let serve = try await Self.serve(package, in: folder, workers: 2)
        let client = ServeClient(port: serve.port)
        let token = try ServeTokens.mint("watcher")

        // Three clients ask one after the other, each invocation taking 0.2 s, so that the
        // swap happens with invocations running and others queued.
        let changed = SourceChanged()
        let perClient = try await withThrowingTaskGroup(of: [Seen].self) { group in
            for client_ in 0..<3 {
                group.addTask {
                    var seen: [Seen] = []
                    var newVersionReplies = 0
                    let deadline = ContinuousClock.now + .seconds(120)
                    while newVersionReplies < 5, ContinuousClock.now < deadline {
                        let reply = try await Self.ask(client, "slow-\(client_)-\(seen.count)", token: token)
                        seen.append(reply)
                        if reply.version == "2", changed.value.load(ordering: .relaxed) { newVersionReplies += 1 }
                    }
                    return seen
                }
            }
            // Once the old build has answered a few, change the source.
            while HostileClients.received(in: folder).count < 6 { try await Task.sleep(for: .milliseconds(20)) }
            try package.setVersion("2")
            changed.value.store(true, ordering: .relaxed)
            return try await group.reduce(into: []) { $0.append($1) }
        }

        let all = perClient.flatMap { $0 }
        #expect(all.allSatisfy { $0.status == 200 }, "no request failed: \(all.filter { $0.status != 200 }.map { "\($0.user) \($0.status)" })")
        for seen in perClient {
            let versions = seen.compactMap(\.version)
            #expect(versions.count == seen.count)
            #expect(versions.first == "1")
            #expect(versions.last == "2")
            #expect(versions == versions.sorted(), "the old build answered, then the new one, never the old again: \(versions)")
        }
        // Every request reached a worker exactly once: none lost, none run twice.
        let received = HostileClients.received(in: folder)
        #expect(received.sorted() == all.map(\.user).sorted())

        let oldPIDs = Set(all.filter { $0.version == "1" }.compactMap(\.pid)).map { pid_t($0) }
        let newPIDs = Set(all.filter { $0.version == "2" }.compactMap(\.pid))
        #expect(oldPIDs.count == 2 && newPIDs.count == 2, "two workers of each build: \(oldPIDs), \(newPIDs)")
        #expect(try await ProcessTable.waitUntilGone(oldPIDs), "the replaced workers stopped")
        #expect(serve.log.contains("progress-function rebuilt in"))
        #expect(serve.log.contains("local-runner: progress: 2 worker(s) now run the new build"))
        let builds = (try? String(contentsOfFile: "\(package.path)/builds.log", encoding: .utf8)) ?? ""
        #expect(builds.split(separator: "\n").last.map(String.init) == package.buildArguments.joined(separator: " "),
            "built in the bootstraps' configuration and build folder")
        try await serve.stop()
        #expect(serve.survivingWorkers.isEmpty)
    }

    @Test("a build that fails keeps the old workers and prints why; the next good build replaces them")
    func failedBuildKeepsWorkers() async throws {
        let folder = TemporaryFolder()
        let package = try WatchPackage.fake(in: folder)
        let serve = try await Self.serve(package, in: folder, workers: 1)
        let client = ServeClient(port: serve.port)
        let token = try ServeTokens.mint("watcher")
        let before = try await Self.ask(client, "before", token: token)
        #expect(before.version == "1")

        try package.breakSource()
        let deadline = ContinuousClock.now + .seconds(60)
        while !serve.log.contains("building progress-function failed"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(serve.log.contains("building progress-function failed (status 1); its workers keep running the previous build:"))
        #expect(serve.log.contains("main.swift:1:1: error: cannot find 'BROKEN' in scope"), "the compiler's own words")
        let during = try await Self.ask(client, "during", token: token)
        #expect(during.status == 200)
        #expect(during.version == "1")
        #expect(during.pid == before.pid, "the same worker")

        try package.setVersion("3")
        var seen: [Seen] = []
        #expect(try await Self.waitForVersion("3", client, token: token, seen: &seen))
        #expect(seen.allSatisfy { $0.status == 200 })
        try await serve.stop()
    }

    @Test("with the real swift build: an edited function answers with its new code")
    func realBuild() async throws {
        let folder = TemporaryFolder()
        let clock = ContinuousClock()
        let started = clock.now
        let package = try WatchPackage.real(in: folder)
        let firstBuild = started.duration(to: clock.now)
        let serve = try await Self.serve(package, in: folder, workers: 1)
        let client = ServeClient(port: serve.port)
        let token = try ServeTokens.mint("watcher")
        #expect(try await Self.ask(client, "before", token: token).version == "1")

        let edited = clock.now
        try package.setVersion("2")
        var seen: [Seen] = []
        #expect(try await Self.waitForVersion("2", client, token: token, seen: &seen), "\(serve.log)")
        #expect(seen.allSatisfy { $0.status == 200 })
        print("serve --watch, real build: first build \(firstBuild), edit to new code answering \(edited.duration(to: clock.now))")
        try await serve.stop()
    }
}

/// Whether the test has changed the source yet, as the clients' tasks see it.
final class SourceChanged: Sendable {
    let value = Atomic(false)
}
