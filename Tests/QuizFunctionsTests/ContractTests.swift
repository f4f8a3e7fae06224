import Foundation
import QuizBootstrap
import QuizFunctions
import QuizTestSupport
import Testing

/// The sample events of `functions/<name>/events/` replayed in order through each function's raw
/// event path: every response must equal its `*.expected.json` and match `openapi.yaml`.
///
/// `SampleEventReplay` fills in the placeholders the events use (the session started, the question
/// served, its right and wrong choices) and compares exactly, with `"*"` only for what is random by
/// design (session ids, the served choices' order, the store's latency); the clock is `TestClock`.
/// `QUIZ_CONTRACT_RECORD=1 swift test --filter Contract` rewrites the expected files.
@Suite("Contract: sample events, expected responses, OpenAPI")
struct ContractTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func steps() throws -> [SampleEventReplay.Step] {
        try SampleEventReplay.steps(in: root, functions: FunctionName.allCases.map(\.rawValue))
    }

    @Test("every route has a sample event")
    func coverage() throws {
        let covered = Set(try Self.steps().compactMap { step -> String? in
            guard let event = try? Self.object(Data(contentsOf: step.event)) else { return nil }
            return event["routeKey"] as? String ?? (event["resource"] as? String).map { "\(event["httpMethod"]!) \($0)" }
        })
        for function in FunctionName.allCases {
            for route in function.routes + (function == .maintenance ? [] : ["GET /health"]) {
                #expect(covered.contains(route), "no sample event for \(route)")
            }
        }
    }

    @Test("the sample events produce their expected responses, and those match openapi.yaml")
    func replay() async throws {
        // The schedule's sweep must finish all its shards, as recorded, however loaded the
        // machine: its time budget (20 s by default) is not what this test is about.
        let harness = Harness(seed: 11) { $0.maintenanceBudgetSeconds = 900 }
        let environment = try harness.environment()
        let record = ProcessInfo.processInfo.environment["QUIZ_CONTRACT_RECORD"] == "1"
        var replay = SampleEventReplay()
        var checked: [[String: Any]] = []
        for step in try Self.steps() {
            let event = try replay.event(for: step)
            let function = try #require(FunctionName(rawValue: step.function))
            let output = await FunctionHandler(function, environment: environment)
                .handle(Data(event.utf8), context: InvocationContext(requestId: "invoke-\(step.name)"))
            let actual = try replay.observe(output)
            if let body = actual["body"], let route = Self.route(of: try Self.object(Data(event.utf8))), route != "$default" {
                let parts = route.split(separator: " ", maxSplits: 1)
                checked.append(["name": step.name, "method": String(parts[0]), "route": String(parts[1]), "status": actual["statusCode"] as? Int ?? 0, "body": body])
            }
            if record {
                let data = try JSONSerialization.data(withJSONObject: replay.wildcarded(actual), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                try (data + Data("\n".utf8)).write(to: step.expected)
                continue
            }
            let mismatches = try replay.mismatches(of: actual, against: step)
            #expect(mismatches.isEmpty, "\(step.name): \(mismatches.joined(separator: "; "))")
        }
        try Self.validateAgainstOpenAPI(checked)
    }

    // MARK: - Helpers

    static func object(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func route(of event: [String: Any]) -> String? {
        if let key = event["routeKey"] as? String { return key }
        if let resource = event["resource"] as? String, let method = event["httpMethod"] as? String { return "\(method) \(resource)" }
        return nil
    }

    static func validateAgainstOpenAPI(_ responses: [[String: Any]]) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("contract-responses-\(getpid()).json")
        try JSONSerialization.data(withJSONObject: responses).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("Tests/QuizFunctionsTests/Contract/validate_responses.py").path,
            root.appendingPathComponent("openapi.yaml").path, file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "responses do not match openapi.yaml:\n\(text)")
        #expect(text.contains("\(responses.count) responses checked"), "\(text)")
    }
}
