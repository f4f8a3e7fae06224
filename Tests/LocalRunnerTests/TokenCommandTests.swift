import Foundation
import QuizTestSupport
import Testing

/// `local-runner token`: the secret it signs with, and what it refuses.
@Suite("local-runner token")
struct TokenCommandTests {
    @Test("a QUIZ_JWT_SECRET shorter than 32 bytes is refused with a message, not a crash")
    func shortSecret() throws {
        let refused = try RunnerProcess.start(["token", "alice"], environment: ["QUIZ_JWT_SECRET": "too-short"]).wait()
        #expect(refused.status == 64, "a usage error, not a trap: \(refused.status)")
        #expect(refused.stderr.contains("QUIZ_JWT_SECRET must be at least 32 bytes long"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)
    }

    @Test("without QUIZ_JWT_SECRET, a 64-hex-digit secret is made once in the data directory and reused")
    func storedSecret() throws {
        let folder = TemporaryFolder()
        let environment = ["QUIZ_JWT_SECRET": "", "QUIZ_DATA_DIR": folder.path]
        let first = try RunnerProcess.start(["token", "alice"], environment: environment).wait()
        #expect(first.status == 0, "\(first.stderr)")
        let secret = try String(contentsOfFile: "\(folder.path)/jwt-secret", encoding: .utf8)
        #expect(secret.count == 64 && secret.allSatisfy(\.isHexDigit), "\(secret)")
        let second = try RunnerProcess.start(["token", "alice"], environment: environment).wait()
        #expect(second.status == 0)
        #expect(try String(contentsOfFile: "\(folder.path)/jwt-secret", encoding: .utf8) == secret)
        #expect(first.stdout.split(separator: ".").count == 3)
    }
}
