import Foundation
import QuizTestSupport
import Testing

/// openapi.yaml against the running API, by a schema-based fuzzer: schemathesis generates
/// requests from the document for every route (valid and invalid ones, a seeded, time-boxed run)
/// and sends them to `local-runner serve`; any status the document does not list for the route,
/// any body that does not match its schema, any 5xx, any undocumented or missing header fails.
///
/// Not checked: that valid-looking data is accepted (`positive_data_acceptance`): a well-formed
/// answer to a session that does not exist is a 404, as it should be.
@Suite("openapi.yaml under a schema fuzzer")
struct SchemaFuzzTests {
    static let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("openapi.yaml").path

    @Test("schemathesis, seeded and time-boxed, finds no undocumented status and no schema mismatch")
    func fuzz() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "2"])
        // A bank and a session, so that routes on existing data are reached too.
        let author = try ServeTokens.mint("fuzzer", groups: ["authors"])
        let client = ServeClient(port: serve.port)
        #expect(try await client.send("POST", "/banks/fuzz/questions", token: author, json: sampleBank(6)).status == 201)
        #expect(try await client.send("POST", "/sessions", token: author, json: ["bankId": "fuzz"]).status == 201)

        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-m", "schemathesis.cli", "run", Self.document, "--url", "http://127.0.0.1:\(serve.port)",
            "--header", "Authorization: Bearer \(author)", "--seed", "20260512", "--max-time", "75", "--workers", "1",
            "--request-timeout", "30", "--checks", "all", "--exclude-checks", "positive_data_acceptance", "--no-color",
            "--generation-database", "none", "--report-dir", "\(folder.path)/schemathesis",
        ]
        process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // The run stops itself after 75 s of generating; this only guards against a hang.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(150))
            if process.isRunning { process.terminate() }
        }
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        watchdog.cancel()
        #expect(process.terminationStatus == 0, "schemathesis found failures:\n\(printed.suffix(6000))")
        #expect(printed.contains("passed"), "\(printed.suffix(2000))")
        #expect(try await serve.stop() == 0)
    }
}
