import Foundation
import QuizTestSupport
import Testing

/// One run of `Scripts/webapp_browser.py`: a scenario driven in headless Chromium through
/// Selenium and the Debian `chromedriver`, against one ``WebAppServe``.
///
/// The script speaks a line protocol on its standard output: `STEP text` (progress, kept for the
/// failure message), `SERVER stop` / `SERVER start` / `SERVER new-secret` (the test stops or
/// starts the runner, or restarts it with another JWT secret, then answers `ok` on the script's
/// standard input), and `RESULT {json}` last. Foundation starts a
/// child as the leader of a process group of its own, which the driver and the browser join, and
/// the whole group is killed on every path: success, failure, a hang past the limit.
struct BrowserScenario {
    /// Where the screenshots go: `WEB_SCREENSHOTS_DIR`, else `.build/web-screenshots` in the repository.
    static let screenshots: String = {
        if let folder = ProcessInfo.processInfo.environment["WEB_SCREENSHOTS_DIR"], !folder.isEmpty { return folder }
        return WebAppServe.packageRoot.appendingPathComponent(".build/web-screenshots").path
    }()

    static let script = WebAppServe.packageRoot.appendingPathComponent("Tests/WebAppTests/Scripts/webapp_browser.py").path

    /// What the script printed as its result.
    typealias Result = [String: Any]

    /// Why a scenario failed: the script's steps, its standard error and the runner's log.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `scenario` against `serve` with `arguments`; returns the RESULT object.
    static func run(_ scenario: String, serve: WebAppServe, arguments: [String] = [], limit: Duration = .seconds(420)) async throws -> Result {
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        let errorsPath = "\(serve.folder)/browser-\(scenario).log"
        _ = FileManager.default.createFile(atPath: errorsPath, contents: nil)
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errorsPath))
        let output = Pipe()
        let input = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: PortReportingProcess.python)
        process.arguments =
            ["-u", script, scenario, "--base-url", serve.baseURL, "--screenshots", screenshots, "--work", serve.folder] + arguments
        process.standardOutput = output
        process.standardInput = input
        process.standardError = errors
        try process.run()
        try errors.close()
        // The script leads its own process group (Foundation's spawn makes every child one):
        // one kill(-pid) stops it, the driver and the browser.
        let group = process.processIdentifier
        defer {
            kill(-group, SIGKILL)
            process.waitUntilExit()
        }
        let watchdog = Task {
            try await Task.sleep(for: limit)
            kill(-group, SIGKILL)
        }
        defer { watchdog.cancel() }

        var steps: [String] = []
        var result: Result?
        for await line in lines(of: output.fileHandleForReading) {
            if line.hasPrefix("STEP ") {
                steps.append(String(line.dropFirst(5)))
            } else if line == "SERVER stop" {
                await serve.stop()
                input.fileHandleForWriting.write(Data("ok\n".utf8))
            } else if line == "SERVER start" {
                try await serve.start()
                input.fileHandleForWriting.write(Data("ok\n".utf8))
            } else if line == "SERVER new-secret" {
                await serve.stop()
                serve.secret = "another-secret-so-every-earlier-token-is-refused"
                try await serve.start()
                input.fileHandleForWriting.write(Data("ok\n".utf8))
            } else if line.hasPrefix("RESULT ") {
                result = try JSONSerialization.jsonObject(with: Data(line.dropFirst(7).utf8)) as? Result
            }
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0, let result else {
            let stderr = (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? ""
            throw Failure(
                description: """
                    browser scenario \(scenario) exited \(process.terminationStatus) after:
                    \(steps.map { "  - \($0)" }.joined(separator: "\n"))
                    script stderr:
                    \(stderr.suffix(6000))
                    serve log (end):
                    \(serve.log.suffix(4000))
                    """)
        }
        return result
    }

    /// The lines a child writes, read on a thread of their own (the read blocks).
    private static func lines(of handle: FileHandle) -> AsyncStream<String> {
        AsyncStream { continuation in
            Thread.detachNewThread {
                var buffer = Data()
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    buffer.append(chunk)
                    while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                        continuation.yield(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                        buffer.removeSubrange(buffer.startIndex...newline)
                    }
                }
                if !buffer.isEmpty { continuation.yield(String(decoding: buffer, as: UTF8.self)) }
                continuation.finish()
            }
        }
    }
}
