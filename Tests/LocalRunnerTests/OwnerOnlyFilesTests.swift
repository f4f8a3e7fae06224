import Foundation
import Glibc
import QuizHTTP
import QuizTestSupport
import Testing

@testable import local_runner

/// Files holding learners' data or secrets are readable by their owner only, from the first
/// byte, whatever the umask (docs/local-runner.md, "Files").
@Suite("local files: owner only", .serialized)
struct OwnerOnlyFilesTests {
    /// `local-runner ARGUMENTS` under `umask 000`, the most permissive a user could have.
    static func runUnderOpenUmask(_ arguments: [String], environment: [String: String]) throws -> RunnerProcess.Output {
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "umask 000; exec '\(RunnerProcess.executable.path)' \(quoted)"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return RunnerProcess.Output(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    static func mode(_ path: String) -> mode_t? { OwnerOnlyFiles.mode(of: path) }

    @Test("the data folder is 0700 and the secret 0600, made exclusively: racing processes share one secret")
    func secretFile() async throws {
        let folder = TemporaryFolder()
        let data = "\(folder.path)/nested/.quiz"
        let environment = ["QUIZ_JWT_SECRET": "", "QUIZ_DATA_DIR": data]
        let racers = try (0..<4).map { index in try RunnerProcess.start(["token", "racer-\(index)"], environment: environment) }
        let tokens = racers.map { $0.wait() }
        #expect(tokens.allSatisfy { $0.status == 0 }, "\(tokens.map(\.stderr))")
        #expect(Self.mode(data) == 0o700)
        #expect(Self.mode("\(folder.path)/nested") == 0o700, "a parent the runner made is private too")
        #expect(Self.mode("\(data)/jwt-secret") == 0o600)
        let secret = try String(contentsOfFile: "\(data)/jwt-secret", encoding: .utf8)
        let verifier = await LocalTokens(secret: secret)
        for token in tokens {
            let claims = try await verifier.verify(token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).get()
            #expect(claims["sub"]?.hasPrefix("racer-") == true, "every racer signed with the one stored secret")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: data) == ["jwt-secret"], "no temporary file left behind")

        let underOpenUmask = "\(folder.path)/open/.quiz"
        let minted = try Self.runUnderOpenUmask(["token", "ada"], environment: ["QUIZ_JWT_SECRET": "", "QUIZ_DATA_DIR": underOpenUmask])
        #expect(minted.status == 0, "\(minted.stderr)")
        #expect(Self.mode(underOpenUmask) == 0o700)
        #expect(Self.mode("\(underOpenUmask)/jwt-secret") == 0o600)
    }

    @Test("a stored secret shorter than 32 bytes is refused like a short QUIZ_JWT_SECRET; an open folder is closed")
    func existingFiles() throws {
        let folder = TemporaryFolder()
        let data = "\(folder.path)/.quiz"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try Data("short".utf8).write(to: URL(fileURLWithPath: "\(data)/jwt-secret"))
        let refused = try RunnerProcess.start(["token", "ada"], environment: ["QUIZ_JWT_SECRET": "", "QUIZ_DATA_DIR": data]).wait()
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("holds a secret shorter than 32 bytes"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)
        #expect(Self.mode(data) == 0o700, "the folder an earlier version left open is now private")
    }

    @Test("the SQLite file and the folders made for it are owner-only under umask 000")
    func databaseFiles() throws {
        let folder = TemporaryFolder()
        let database = "\(folder.path)/a/b/quiz.db"
        let event = try RunnerProcess.event(RunnerProcess.request(.post, "/banks/b1/questions", user: "author", groups: ["authors"], json: sampleBank(2)))
        let eventPath = "\(folder.path)/event.json"
        try event.write(to: URL(fileURLWithPath: eventPath))
        let output = try Self.runUnderOpenUmask(["invoke", "quiz", "--event", eventPath], environment: ["QUIZ_STORE_URL": "sqlite:\(database)"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains(#""statusCode":201"#), "\(output.stdout)")
        #expect(Self.mode("\(folder.path)/a") == 0o700)
        #expect(Self.mode("\(folder.path)/a/b") == 0o700)
        // The last connection to close removes -wal and -shm: serveFiles sees them while they exist.
        #expect(Self.mode("\(folder.path)/a/b/quiz.db") == 0o600)
        #expect(Self.mode("\(folder.path)/a/b/quiz.db-writers") == 0o600)
    }

    @Test("serve's data folder, secret, database, WAL, shared memory and writers' gate are owner-only under umask 000")
    func serveFiles() async throws {
        let folder = TemporaryFolder()
        let data = "\(folder.path)/.quiz"
        let environment = ["QUIZ_JWT_SECRET": "", "QUIZ_DATA_DIR": data, "QUIZ_STORE_URL": "sqlite:\(data)/quiz.db"]
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "1"], environment: environment, umask: "000")
        let author = try RunnerProcess.start(["token", "author", "--group", "authors"], environment: environment).wait().stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try await ServeClient(port: serve.port).importBank("b1", questions: 2, token: author)
        #expect(Self.mode(data) == 0o700)
        for file in ["jwt-secret", "quiz.db", "quiz.db-wal", "quiz.db-shm", "quiz.db-writers"] {
            #expect(Self.mode("\(data)/\(file)") == 0o600, "\(file)")
        }
        try await serve.stop()
    }
}
