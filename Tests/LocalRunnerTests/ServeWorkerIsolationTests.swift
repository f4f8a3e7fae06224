import Foundation
import QuizBootstrap
import QuizTestSupport
import Testing

@testable import local_runner

/// What a worker process receives: only the environment it needs, never the token secret;
/// events only from its own runner; claims, never the bearer token (docs/local-runner.md,
/// "What a worker receives").
@Suite("serve: worker isolation", .serialized)
struct ServeWorkerIsolationTests {
    @Test("workers get the allow-listed environment and every --env-vars variable, never the token secret")
    func workerEnvironment() async throws {
        let folder = TemporaryFolder()
        let envVars = "\(folder.path)/env.json"
        try Data(#"{"Parameters": {"CHAOS_PLAN": "fail-commit", "QUIZ_JWT_SECRET": "smuggled-in-but-long-enough-for-hs256"}}"#.utf8)
            .write(to: URL(fileURLWithPath: envVars))
        let serve = try await ServeInstance(
            folder: folder,
            arguments: ["--workers", "1", "--env-vars", envVars, "--bootstrap-dir", try ServeStandInTests.bootstrapDirectory(in: folder)],
            environment: ["UNRELATED_SECRET": "do-not-pass", "QUIZ_CUSTOM_SETTING": "7", "AWS_ACCESS_KEY_ID": "AKIDLOCAL", "LOG_LEVEL": "DEBUG"])
        let token = try ServeTokens.mint("inspector")
        let reply = try await ServeClient(port: serve.port).send("GET", "/users/environment/progress", token: token)
        #expect(reply.status == 200, "\(reply.text)")
        let environment = try #require(reply.json["environment"] as? [String: String])
        #expect(environment["QUIZ_JWT_SECRET"] == nil, "the token secret stays with the runner, even from --env-vars")
        #expect(environment["UNRELATED_SECRET"] == nil)
        #expect(environment["CHAOS_PLAN"] == "fail-commit", "every --env-vars variable passes")
        #expect(environment["QUIZ_CUSTOM_SETTING"] == "7")
        #expect(environment["AWS_ACCESS_KEY_ID"] == "AKIDLOCAL")
        #expect(environment["LOG_LEVEL"] == "DEBUG")
        #expect(environment["PATH"] != nil)
        #expect(environment["AWS_LAMBDA_FUNCTION_NAME"] == "progress")
        let endpoint = try #require(environment["AWS_LAMBDA_RUNTIME_API"])
        #expect(endpoint.wholeMatch(of: /127\.0\.0\.1:\d+\/[0-9a-f]{32}/) != nil, "\(endpoint)")
        let unexpected = Set(environment.keys).subtracting(Self.expectedNames).filter { !$0.hasPrefix("QUIZ_") }
        #expect(unexpected.isEmpty, "variables no rule lets through: \(unexpected.sorted())")

        // Another local process that finds the worker's port gets nothing without the prefix.
        let port = try #require(Int(endpoint.split(separator: "/")[0].split(separator: ":")[1]))
        for path in ["/2018-06-01/runtime/invocation/next", "/\(String(repeating: "0", count: 32))/2018-06-01/runtime/invocation/next"] {
            let stranger = try #require(HostileClients.request(port: port, "GET", path, within: .seconds(10)))
            #expect(stranger.status == 404, "\(path): \(stranger.text)")
        }
        let after = try await ServeClient(port: serve.port).send("GET", "/users/after/progress", token: token)
        #expect(after.status == 200, "the worker still gets its events: \(after.text)")
        try await serve.stop()
    }

    /// The names a worker may see besides `QUIZ_*`: the allow-list, Lambda's own, and what the
    /// Python stand-in's interpreter adds to its own environment.
    static let expectedNames: Set<String> = WorkerEnvironment.allowedNames.union([
        "CHAOS_PLAN", "AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_TIMEOUT", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_INITIALIZATION_TYPE",
        "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "_HANDLER", "TZ", "LC_CTYPE",
    ])

    @Test("the allow-list: by name and by QUIZ_ prefix, never QUIZ_JWT_SECRET; overrides win; Lambda's variables last")
    func allowList() {
        let inherited = [
            "PATH": "/bin", "HOME": "/root", "QUIZ_STORE_URL": "sqlite:x.db", "QUIZ_JWT_SECRET": "secret", "SSH_AUTH_SOCK": "/tmp/agent",
            "AWS_SECRET_ACCESS_KEY": "key", "AWS_PROFILE": "admin", "AWS_LAMBDA_FUNCTION_NAME": "spoofed", "HISTFILE": "/root/.history",
            "QUIZ_ALLOW_CLOCK_HEADER": "1",
        ]
        let base = WorkerEnvironment.base(
            inherited: inherited, overrides: ["EXTRA": "1", "PATH": "/custom", "QUIZ_JWT_SECRET": "again"], function: .answer,
            timeout: .seconds(30), bootstrapDirectory: URL(fileURLWithPath: "/opt/bootstraps"))
        #expect(base["PATH"] == "/custom")
        #expect(base["HOME"] == "/root")
        #expect(base["QUIZ_STORE_URL"] == "sqlite:x.db")
        // `QUIZ_ALLOW_CLOCK_HEADER=1 local-runner serve` turns time travel on in the workers.
        #expect(base["QUIZ_ALLOW_CLOCK_HEADER"] == "1")
        #expect(base["AWS_SECRET_ACCESS_KEY"] == "key")
        #expect(base["EXTRA"] == "1")
        #expect(base["QUIZ_JWT_SECRET"] == nil)
        #expect(base["SSH_AUTH_SOCK"] == nil)
        #expect(base["AWS_PROFILE"] == nil)
        #expect(base["HISTFILE"] == nil)
        #expect(base["AWS_LAMBDA_FUNCTION_NAME"] == "answer")
        let worker = WorkerEnvironment.variables(base, runtimeAPI: "127.0.0.1:9001/abc", logStream: "answer-1-0")
        #expect(worker["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:9001/abc")
    }
}
