import ProcessTools
import Foundation
import QuizTestSupport
import Testing

/// `local-runner serve` against a stand-in progress bootstrap (`--bootstrap-dir`): a small
/// Python custom runtime that speaks the Runtime API and misbehaves on request, so that hangs,
/// crashes, function errors and bad responses can be caused at will. The other functions run
/// their real bootstraps.
@Suite("serve: misbehaving workers", .serialized)
struct ServeStandInTests {
    /// The stand-in's behaviour comes from the `userId` of `GET /users/{userId}/progress`. It
    /// appends each user id it receives to `received.log` in `QUIZ_DATA_DIR`, so a test can
    /// tell which requests reached a worker at all.
    static let standIn = """
        import base64, http.client, json, os, time
        endpoint, _, prefix = os.environ["AWS_LAMBDA_RUNTIME_API"].partition("/")
        host, port = endpoint.split(":")
        base = ("/" + prefix if prefix else "") + "/2018-06-01/runtime"
        api = http.client.HTTPConnection(host, int(port))
        def call(method, path, body=None, headers={}):
            api.request(method, base + path, body, headers)
            answer = api.getresponse()
            return answer.status, answer.getheaders(), answer.read()
        while True:
            status, headers, body = call("GET", "/invocation/next")
            headers = {name.lower(): value for name, value in headers}
            event, rid = json.loads(body), headers["lambda-runtime-aws-request-id"]
            user, started = event["pathParameters"]["userId"], time.time()
            kind = user.split("-")[0]
            with open(os.path.join(os.environ["QUIZ_DATA_DIR"], "received.log"), "a") as log:
                log.write(user + "\\n")
            echo = {"pid": os.getpid(), "requestId": rid, "eventRequestId": event["requestContext"]["requestId"],
                    "deadline": int(headers["lambda-runtime-deadline-ms"]), "arn": headers["lambda-runtime-invoked-function-arn"],
                    "trace": headers["lambda-runtime-trace-id"], "function": os.environ["AWS_LAMBDA_FUNCTION_NAME"],
                    "timeout": os.environ["AWS_LAMBDA_FUNCTION_TIMEOUT"], "routeKey": event["routeKey"],
                    "claims": event["requestContext"]["authorizer"]["jwt"]["claims"], "headers": event["headers"]}
            if kind == "environment": echo["environment"] = dict(os.environ)
            if kind == "hang": time.sleep(600)
            if kind == "crash": os._exit(3)
            if kind == "slow": time.sleep(0.4)
            if kind == "linger":
                open(os.path.join(os.environ["QUIZ_DATA_DIR"], "linger.started"), "w").close()
                time.sleep(1.5)
            if kind == "fail":
                call("POST", "/invocation/%s/error" % rid, json.dumps({"errorType": "StandInFailure", "errorMessage": "asked to"}),
                     {"Lambda-Runtime-Function-Error-Type": "StandInFailure"})
                continue
            if kind == "probe":
                echo["unknownId"] = call("POST", "/invocation/no-such-id/response", "{}")[0]
                echo["lateInitError"] = call("POST", "/init/error", "{}")[0]
                echo["tooLarge"] = call("POST", "/invocation/%s/response" % rid, b" " * (6 * 1024 * 1024 + 1))[0]
                for name, path in [("withoutPrefix", ""), ("wrongPrefix", "/" + "0" * 32)]:
                    stranger = http.client.HTTPConnection(host, int(port))
                    stranger.request("GET", path + "/2018-06-01/runtime/invocation/next")
                    echo[name] = stranger.getresponse().status
            echo["started"], echo["finished"] = started, time.time()
            response = {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(echo)}
            if kind == "binary":
                response = {"statusCode": 201, "headers": {"content-type": "application/octet-stream"},
                            "body": base64.b64encode(bytes(range(256))).decode(), "isBase64Encoded": True}
            call("POST", "/invocation/%s/response" % rid, "not a proxy response" if kind == "garbage" else json.dumps(response))
        """

    /// A bootstrap directory: the real bootstraps, but the stand-in for progress.
    static func bootstrapDirectory(in folder: TemporaryFolder) throws -> String {
        let directory = "\(folder.path)/bootstraps"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let built = RunnerProcess.executable.deletingLastPathComponent()
        for function in ["session", "quiz", "answer", "maintenance"] {
            try FileManager.default.createSymbolicLink(
                atPath: "\(directory)/\(function)-function", withDestinationPath: built.appendingPathComponent("\(function)-function").path)
        }
        let script = "\(directory)/progress-function"
        try Data("#!\(python) -S\n\(standIn)".utf8).write(to: URL(fileURLWithPath: script))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        return directory
    }

    /// The interpreter `python3` on PATH runs, resolved once: a version manager's shim is slow to start.
    static let python: String = {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys; print(sys.executable)"]
        process.standardOutput = output
        guard (try? process.run()) != nil else { return "/usr/bin/python3" }
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let path = printed.trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !path.isEmpty ? path : "/usr/bin/python3"
    }()

    @Test("the Runtime API hands over the event with its headers, and answers wrong calls as Lambda does")
    func runtimeAPIContract() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(
            folder: folder, arguments: ["--workers", "1", "--timeout", "7", "--bootstrap-dir", try Self.bootstrapDirectory(in: folder)])
        let client = ServeClient(port: serve.port)
        let token = try ServeTokens.mint("probe-user", groups: ["authors"])

        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let probe = try await client.send("GET", "/users/probe/progress", token: token)
        let after = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(probe.status == 200, "\(probe.text)")
        let echo = probe.json
        #expect(echo["requestId"] as? String == probe.header("apigw-requestid"))
        #expect(echo["eventRequestId"] as? String == probe.header("apigw-requestid"))
        #expect(echo["pid"] as? Int == probe.workerPID.map(Int.init))
        let deadline = try #require(echo["deadline"] as? Int)
        #expect((before + 7_000 - 1)...(after + 7_000) ~= Int64(deadline), "the deadline is the timeout after delivery")
        #expect((echo["arn"] as? String)?.hasSuffix(":000000000000:function:progress") == true)
        #expect((echo["trace"] as? String)?.hasPrefix("Root=1-") == true)
        #expect(echo["function"] as? String == "progress")
        #expect(echo["timeout"] as? String == "7")
        #expect(echo["routeKey"] as? String == "GET /users/{userId}/progress")
        let claims = try #require(echo["claims"] as? [String: Any])
        #expect(claims["sub"] as? String == "probe-user")
        #expect(claims["cognito:groups"] as? String == "[authors]")
        #expect(echo["unknownId"] as? Int == 400)
        #expect(echo["lateInitError"] as? Int == 403)
        #expect(echo["tooLarge"] as? Int == 413)
        #expect(echo["withoutPrefix"] as? Int == 404, "the Runtime API answers only under the worker's own prefix")
        #expect(echo["wrongPrefix"] as? Int == 404)
        let headers = try #require(echo["headers"] as? [String: String])
        #expect(headers["authorization"] == nil, "the event carries claims, not the bearer token")
        #expect(headers["host"] != nil)

        let binary = try await client.send("GET", "/users/binary/progress", token: token)
        #expect(binary.status == 201)
        #expect(binary.body == Data((0...255).map { UInt8($0) }))
        #expect(binary.header("content-type") == "application/octet-stream")

        let garbage = try await client.send("GET", "/users/garbage/progress", token: token)
        #expect(garbage.status == 502)
        #expect(garbage.errorCode == "WORKER_FAILED")
        try await serve.stop()
    }

    @Test("each worker holds one invocation at a time; the rest wait their turn")
    func oneInvocationPerWorker() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(
            folder: folder, arguments: ["--workers", "2", "--timeout", "30", "--bootstrap-dir", try Self.bootstrapDirectory(in: folder)])
        let client = ServeClient(port: serve.port)
        let token = try ServeTokens.mint("patient")
        let replies = try await withThrowingTaskGroup(of: ServeClient.Response.self) { group in
            for _ in 0..<6 {
                group.addTask { try await client.send("GET", "/users/slow/progress", token: token) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(replies.allSatisfy { $0.status == 200 })
        let byWorker = Dictionary(grouping: replies.map(\.json)) { $0["pid"] as? Int ?? 0 }
        #expect(byWorker.count == 2, "both workers took invocations")
        for (pid, invocations) in byWorker {
            let spans = invocations.compactMap { echo -> (start: Double, end: Double)? in
                guard let start = echo["started"] as? Double, let end = echo["finished"] as? Double else { return nil }
                return (start, end)
            }.sorted { $0.start < $1.start }
            #expect(spans.count == invocations.count)
            for (earlier, later) in zip(spans, spans.dropFirst()) {
                #expect(later.start >= earlier.end, "worker \(pid) ran two invocations at once")
            }
        }
        try await serve.stop()
    }

    @Test("a worker that holds an invocation longer than --idle-timeout keeps its Runtime API connection and answers")
    func longInvocationOutlastsIdleTimeout() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(
            folder: folder, arguments: ["--workers", "1", "--idle-timeout", "1", "--bootstrap-dir", try Self.bootstrapDirectory(in: folder)])
        let token = try ServeTokens.mint("patient")
        // The stand-in holds "linger" for 1.5 s, on the one connection it keeps to its Runtime API.
        let reply = try await ServeClient(port: serve.port).send("GET", "/users/linger/progress", token: token)
        #expect(reply.status == 200, "\(reply.text)")
        let again = try await ServeClient(port: serve.port).send("GET", "/users/me/progress", token: token)
        #expect(again.workerPID == reply.workerPID, "the same worker, still alive")
        try await serve.stop()
    }

    @Test("SIGTERM lets the request in flight finish, then stops every worker")
    func gracefulShutdown() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(
            folder: folder, arguments: ["--workers", "1", "--bootstrap-dir", try Self.bootstrapDirectory(in: folder)])
        let client = ServeClient(port: serve.port)
        let token = try ServeTokens.mint("last-one-out")
        let lingering = Task { try await client.send("GET", "/users/linger/progress", token: token) }
        // The stand-in marks the moment it holds the invocation.
        let marker = "\(folder.path)/linger.started"
        let deadline = ContinuousClock.now + .seconds(60)
        while !FileManager.default.fileExists(atPath: marker), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(FileManager.default.fileExists(atPath: marker))
        #expect(try await serve.stop(signal: SIGTERM) == 0, "\(serve.log)")
        let reply = try await lingering.value
        #expect(reply.status == 200, "\(reply.text)")
        #expect(serve.survivingWorkers.isEmpty)
    }

    @Test("a hung worker is killed at the timeout (504), a crashed one replaced (502), a function error keeps its worker (502)")
    func failuresAndReplacements() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(
            folder: folder, arguments: ["--workers", "1", "--timeout", "2", "--bootstrap-dir", try Self.bootstrapDirectory(in: folder)])
        let client = ServeClient(port: serve.port)
        let token = try ServeTokens.mint("unlucky")

        let hung = try await client.send("GET", "/users/hang/progress", token: token)
        #expect(hung.status == 504)
        #expect(hung.errorCode == "WORKER_TIMEOUT")
        #expect(hung.errorRequestID == hung.header("apigw-requestid"))
        let hungPID = try #require(hung.workerPID)
        #expect(try await ProcessTable.waitUntilGone([hungPID]), "the hung worker was killed")
        let afterHang = try await client.send("GET", "/users/me/progress", token: token)
        #expect(afterHang.status == 200, "a replacement serves: \(afterHang.text)")
        #expect(afterHang.workerPID != hungPID)

        let crashed = try await client.send("GET", "/users/crash/progress", token: token)
        #expect(crashed.status == 502)
        #expect(crashed.errorCode == "WORKER_FAILED")
        let message = (crashed.json["error"] as? [String: Any])?["message"] as? String
        #expect(message == "The progress worker handling this request stopped before answering (it exited with status 3); "
            + "the request may or may not have taken effect.")
        let crashedPID = try #require(crashed.workerPID)
        let afterCrash = try await client.send("GET", "/users/me/progress", token: token)
        #expect(afterCrash.status == 200, "a replacement serves: \(afterCrash.text)")
        #expect(afterCrash.workerPID != crashedPID)

        let failed = try await client.send("GET", "/users/fail/progress", token: token)
        #expect(failed.status == 502)
        #expect(failed.errorCode == "WORKER_FAILED")
        #expect(!failed.text.contains("asked to"), "the runtime's error message stays in the log")
        #expect(serve.log.contains("StandInFailure: asked to"))
        let afterFailure = try await client.send("GET", "/users/me/progress", token: token)
        #expect(afterFailure.workerPID == failed.workerPID, "a function error does not cost the worker")
        try await serve.stop()
        #expect(serve.survivingWorkers.isEmpty)
    }
}
