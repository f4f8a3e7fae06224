import ArgumentParser
import Foundation
import QuizBootstrap
import QuizHTTP
import QuizTestSupport
import Testing

@testable import local_runner

/// `--env-file`: the dotenv format as docs/local-runner.md describes it, and where its
/// variables stand between the runner's environment and `--env-vars`, for `invoke` and for
/// `serve`'s workers.
@Suite("--env-file")
struct EnvironmentFileTests {
    @Test("names, export, comments, blanks, bare and quoted values, escapes, lines that repeat")
    func format() throws {
        let file = try EnvironmentFile(
            parsing: """
                # a comment
                PLAIN=value
                  SPACED = padded value   \t
                export EXPORTED=yes
                EMPTY=
                HASH_INSIDE=a#b
                COMMENTED=visible # not this
                LEADING_HASH=#kept
                SINGLE='no \\n escapes, no # comment, $HOME'
                DOUBLE="tab\\tnewline\\nquote\\" backslash\\\\ other\\q"   # after the quote
                MULTI="line one
                line two"
                CRLF=windows\r
                _under_score9=1
                export=a variable named export
                REPEATED=first
                REPEATED=second
                URL=postgres://user:p@ss=word@host/db?x=1

                """)
        #expect(file.variables == [
            "PLAIN": "value", "SPACED": "padded value", "EXPORTED": "yes", "EMPTY": "", "HASH_INSIDE": "a#b", "COMMENTED": "visible",
            "LEADING_HASH": "#kept", "SINGLE": "no \\n escapes, no # comment, $HOME",
            "DOUBLE": "tab\tnewline\nquote\" backslash\\ other\\q", "MULTI": "line one\nline two", "CRLF": "windows",
            "_under_score9": "1", "export": "a variable named export", "REPEATED": "second", "URL": "postgres://user:p@ss=word@host/db?x=1",
        ])
    }

    @Test(
        "what is refused, and on which line",
        arguments: [
            ("A=1\nnot an assignment\n", 2, "expected = after not"),
            ("A=1\n9LIVES=cat\n", 2, "expected NAME=VALUE"),
            ("=value\n", 1, "expected NAME=VALUE"),
            ("NAME-WITH-DASH=1\n", 1, "expected = after NAME"),
            ("A=1\nB=\"never closed\nC=3\n", 2, "a quoted value is never closed"),
            ("A='x' trailing\n", 1, "unexpected text after the value"),
            ("ÜBER=1\n", 1, "expected NAME=VALUE"),
        ])
    func refused(text: String, line: Int, reason: String) {
        #expect(throws: EnvironmentFile.ParseError(line: line, reason: reason)) { try EnvironmentFile(parsing: text) }
    }

    @Test("bytes no environment can hold are refused")
    func binary() {
        #expect(throws: EnvironmentFile.ParseError(line: 2, reason: "a NUL byte")) { try EnvironmentFile(parsing: Array("A=1\nB=\u{0}\n".utf8)) }
        #expect(throws: EnvironmentFile.ParseError(line: 1, reason: "the file is not UTF-8 text")) { try EnvironmentFile(parsing: [0x41, 0x3D, 0xFF]) }
    }

    @Test("invoke: the runner's environment, then --env-file, then --env-vars")
    func invokePrecedence() throws {
        let folder = TemporaryFolder()
        let files = try Self.files(in: folder)
        let options = try EnvironmentOptions.parse(["--env-file", files.envFile, "--env-vars", files.envVars])
        let variables = try options.variables(for: .answer)
        #expect(variables["FROM_FILE"] == "file")
        #expect(variables["SHADOWED_BY_JSON"] == "json", "--env-vars wins over --env-file")
        #expect(variables["PATH"] == "/from/env/file", "--env-file wins over the runner's environment")
        #expect(variables["HOME"] == ProcessInfo.processInfo.environment["HOME"], "what no file names stays as it is")

        // The real command: the store the function writes to is the one the winning file names.
        let event = try RunnerProcess.event(RunnerProcess.request(.post, "/banks/b1/questions", user: "author", groups: ["authors"], json: sampleBank(2)))
        try Data("QUIZ_STORE_URL=sqlite:\(folder.path)/file.db\n".utf8).write(to: URL(fileURLWithPath: "\(folder.path)/store.env"))
        try Data(#"{"QuizFunction": {"QUIZ_STORE_URL": "sqlite:\#(folder.path)/json.db"}}"#.utf8).write(to: URL(fileURLWithPath: "\(folder.path)/store.json"))
        for (arguments, database) in [
            (["--env-file", "\(folder.path)/store.env"], "file.db"),
            (["--env-file", "\(folder.path)/store.env", "--env-vars", "\(folder.path)/store.json"], "json.db"),
        ] {
            let imported = try RunnerProcess.start(
                ["invoke", "quiz", "--event", "-"] + arguments, environment: ["QUIZ_STORE_URL": "sqlite:\(folder.path)/runner.db"], stdin: event
            ).response()
            #expect(imported.statusCode == 201)
            #expect(FileManager.default.fileExists(atPath: "\(folder.path)/\(database)"), "\(arguments)")
            try? FileManager.default.removeItem(atPath: "\(folder.path)/\(database)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(folder.path)/runner.db"), "the runner's own setting lost to both files")

        // A bad --env-file stops the command before the function runs.
        try Data("BROKEN LINE\n".utf8).write(to: URL(fileURLWithPath: "\(folder.path)/bad.env"))
        let refused = try RunnerProcess.start(
            ["invoke", "progress", "--event", "-", "--env-file", "\(folder.path)/bad.env"], environment: [:], stdin: Data("{}".utf8)
        ).wait()
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--env-file \(folder.path)/bad.env, line 1: expected = after BROKEN"), "\(refused.stderr)")
    }

    @Test("serve: workers get the --env-file's variables under --env-vars, over the runner's, and never the token secret")
    func servePrecedence() async throws {
        let folder = TemporaryFolder()
        let files = try Self.files(in: folder)
        let serve = try await ServeInstance(
            folder: folder,
            arguments: [
                "--workers", "1", "--env-file", files.envFile, "--env-vars", files.envVars, "--bootstrap-dir",
                try ServeStandInTests.bootstrapDirectory(in: folder),
            ],
            environment: ["QUIZ_FROM_RUNNER": "runner", "QUIZ_SHADOWED_BY_FILE": "runner"])
        let reply = try await ServeClient(port: serve.port).send("GET", "/users/environment/progress", token: try ServeTokens.mint("inspector"))
        #expect(reply.status == 200, "\(reply.text)")
        let environment = try #require(reply.json["environment"] as? [String: String])
        #expect(environment["FROM_FILE"] == "file")
        #expect(environment["SHADOWED_BY_JSON"] == "json")
        #expect(environment["QUIZ_FROM_RUNNER"] == "runner")
        #expect(environment["QUIZ_SHADOWED_BY_FILE"] == "file")
        #expect(environment["PATH"] == "/from/env/file", "--env-file wins over the runner's allow-listed variables too")
        #expect(environment["QUIZ_JWT_SECRET"] == nil, "the token secret never reaches a worker, even from --env-file")
        #expect(environment["AWS_LAMBDA_FUNCTION_NAME"] == "progress", "Lambda's own variables come last")
        #expect(serve.log.contains("QUIZ_JWT_SECRET in --env-file \(files.envFile) is not given to workers"))
        // The runner still signs with its own secret: the token minted with it was accepted.
        try await serve.stop()
    }

    /// A `.env` and an `--env-vars` JSON file naming some of the same variables.
    static func files(in folder: TemporaryFolder) throws -> (envFile: String, envVars: String) {
        let envFile = "\(folder.path)/local.env"
        let envVars = "\(folder.path)/env.json"
        try Data(
            """
            # the local settings
            export FROM_FILE=file
            SHADOWED_BY_JSON=file
            QUIZ_SHADOWED_BY_FILE="file"
            QUIZ_JWT_SECRET='from-the-env-file-and-long-enough-for-hs256'
            PATH=/from/env/file
            AWS_LAMBDA_FUNCTION_NAME=spoofed

            """.utf8
        ).write(to: URL(fileURLWithPath: envFile))
        try Data(#"{"Parameters": {"SHADOWED_BY_JSON": "json"}}"#.utf8).write(to: URL(fileURLWithPath: envVars))
        return (envFile, envVars)
    }
}
