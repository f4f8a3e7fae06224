import Foundation
import ProcessTools
import QuizTestSupport
import Testing

/// `serve --concurrency N` with the real function bootstraps: each worker runs N Runtime API
/// loops, as Lambda Managed Instances run an execution environment, and the runner hands it up
/// to N invocations at once, each with its own request id and trace header, each answer to its
/// own caller.
@Suite("serve: several invocations per worker (--concurrency)", .serialized)
struct ServeConcurrencyTests {
    /// Holds SQLite's write lock on a database from another process (Python's `sqlite3`) until
    /// ``release()``, so that every write of the functions waits for it.
    final class WriteLock {
        let process = Process()
        private let input = Pipe()

        init(database: String) throws {
            let output = Pipe()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", "-c",
                "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1], isolation_level=None)\nc.execute('BEGIN IMMEDIATE')\n"
                    + "print('locked', flush=True)\nsys.stdin.read()\nc.execute('ROLLBACK')",
                database,
            ]
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            guard line.hasPrefix("locked") else {
                release()
                throw CancellationError()
            }
        }

        /// Lets go of the lock, and waits for the process to end.
        func release() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }

    @Test("one worker of four loops takes four invocations at once, a fifth waits; each keeps its own id, trace and caller")
    func fourInFlightInOneWorker() async throws {
        let folder = TemporaryFolder()
        // A queue deadline of 8 s, not 1: on two cores shared with the rest of the suite, the
        // worker's four loops must be back at the Runtime API before a request's deadline passes.
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "1", "--concurrency", "4", "--queue-timeout", "8"])
        let client = ServeClient(port: serve.port)
        try await client.importBank("shared", questions: 6, token: try ServeTokens.mint("author", groups: ["authors"]))
        let users = (1...5).map { "learner-\($0)" }
        let tokens = try users.map { try ServeTokens.mint($0) }
        let sessionWorkers = serve.workers(of: "session")
        #expect(sessionWorkers.count == 1)

        // Every session write now waits for the lock: the invocations that reached the worker
        // stay in its loops, and one more waits in the runner's queue until its deadline.
        let lock = try WriteLock(database: "\(folder.path)/quiz.db")
        defer { lock.release() }
        let replies = try await withThrowingTaskGroup(of: (Int, ServeClient.Response).self) { group in
            for index in users.indices {
                group.addTask {
                    // Each caller asks for a different number of questions, to know its answer.
                    (index, try await client.send("POST", "/sessions", token: tokens[index], json: ["bankId": "shared", "questionCount": index + 1]))
                }
            }
            var replies: [Int: ServeClient.Response] = [:]
            for try await (index, reply) in group {
                replies[index] = reply
                // The first answer is the one that waited in the queue: the lock is still held.
                if replies.count == 1 { lock.release() }
            }
            return replies
        }

        let timedOut = replies.filter { $0.value.status == 504 }
        let started = replies.filter { $0.value.status == 201 }
        #expect(timedOut.count == 1, "exactly one of five found all four loops taken: \(replies.mapValues(\.status))")
        #expect(timedOut.values.allSatisfy { $0.errorCode == "QUEUE_TIMEOUT" })
        #expect(started.count == 4)
        for (index, reply) in started {
            let session = try #require(reply.json["session"] as? [String: Any])
            #expect(session["questionCount"] as? Int == index + 1, "the answer went to its own caller")
            #expect(reply.workerPID == sessionWorkers.first)
            // And the session is that caller's: its own token reads it.
            let sessionID = try #require(session["sessionId"] as? String)
            let owned = try await client.send("GET", "/sessions/\(sessionID)", token: tokens[index])
            #expect(owned.status == 200, "\(owned.text)")
        }

        // Each invocation's log line (the function's own, from the worker) carries its own
        // request id and its own trace header.
        let requestIDs = started.values.compactMap { $0.header("apigw-requestid") }
        let traces = Self.traceIDs(in: serve.log)
        let seen = requestIDs.compactMap { traces[$0] }
        #expect(seen.count == 4, "a log line for each of \(requestIDs)")
        #expect(Set(seen).count == 4, "four invocations, four trace headers: \(seen)")
        #expect(seen.allSatisfy { $0.hasPrefix("Root=1-") })
        try await serve.stop()
        #expect(serve.survivingWorkers.isEmpty)
    }

    @Test("a worker started with --concurrency gets AWS_LAMBDA_MAX_CONCURRENCY; maintenance and --concurrency 1 do not")
    func maxConcurrencyVariable() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "1", "--concurrency", "3"])
        for (function, expected) in [("answer", "3"), ("maintenance", nil)] {
            let pid = try #require(serve.workers(of: function).first)
            let environment = (ProcessTable.procFile("/proc/\(pid)/environ") ?? "").split(separator: "\0")
            let value = environment.first { $0.hasPrefix("AWS_LAMBDA_MAX_CONCURRENCY=") }.map { String($0.dropFirst("AWS_LAMBDA_MAX_CONCURRENCY=".count)) }
            #expect(value == expected, "\(function)")
            // The runtime runs one Runtime API connection per loop (the worker counts as started
            // at its first loop's next, so the others may still be connecting).
            let loops = expected.flatMap(Int.init) ?? 1
            let deadline = ContinuousClock.now + .seconds(30)
            while Self.establishedConnections(of: pid) < loops, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(Self.establishedConnections(of: pid) == loops, "\(function)")
        }
        try await serve.stop()
    }

    /// `requestId` → `traceId` of every JSON log line that has both.
    static func traceIDs(in log: String) -> [String: String] {
        var traces: [String: String] = [:]
        for line in log.split(separator: "\n") where line.hasPrefix("{") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let requestID = object["requestId"] as? String, let trace = object["traceId"] as? String
            else { continue }
            traces[requestID] = trace
        }
        return traces
    }

    /// The TCP connections of `pid` in state ESTABLISHED (`/proc/PID/net/tcp`, by socket inode).
    static func establishedConnections(of pid: pid_t) -> Int {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        let sockets = Set(descriptors.compactMap { descriptor -> Substring? in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(descriptor)"),
                target.hasPrefix("socket:[")
            else { return nil }
            return Substring(target.dropFirst("socket:[".count).dropLast())
        })
        let table = ProcessTable.procFile("/proc/\(pid)/net/tcp") ?? ""
        return table.split(separator: "\n").dropFirst().filter { line in
            let fields = line.split(separator: " ")
            return fields.count > 9 && fields[3] == "01" && sockets.contains(fields[9])
        }.count
    }
}
