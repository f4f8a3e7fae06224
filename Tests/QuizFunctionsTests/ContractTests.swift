import Foundation
import QuizBootstrap
import QuizFunctions
import Testing

/// The sample events of `functions/<name>/events/` replayed in order through each function's raw
/// event path: every response must equal its `*.expected.json` and match `openapi.yaml`.
///
/// Events address the session `s-example` and the question `q-current`; the replay puts in the
/// session the scenario started and the question being served (`q-other`: another question;
/// selected answers `right` and `wrong`: the served question's correct and a wrong choice). In an
/// expected body, `"*"` stands for a value that is random (ids, the served question, its order).
/// `QUIZ_CONTRACT_RECORD=1 swift test --filter Contract` rewrites the expected files.
@Suite("Contract: sample events, expected responses, OpenAPI")
struct ContractTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Step {
        var function: FunctionName
        var name: String
        var event: URL
        var expected: URL { event.deletingPathExtension().appendingPathExtension("expected.json") }
    }

    static func steps() throws -> [Step] {
        var steps: [Step] = []
        for function in FunctionName.allCases {
            let folder = root.appendingPathComponent("functions/\(function.rawValue)/events")
            for file in try FileManager.default.contentsOfDirectory(atPath: folder.path)
            where file.hasSuffix(".json") && !file.hasSuffix(".expected.json") {
                steps.append(Step(function: function, name: file.replacingOccurrences(of: ".json", with: ""), event: folder.appendingPathComponent(file)))
            }
        }
        return steps.sorted { $0.name < $1.name }
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
        let harness = Harness(seed: 11)
        let environment = try harness.environment()
        let record = ProcessInfo.processInfo.environment["QUIZ_CONTRACT_RECORD"] == "1"
        var scenario = Scenario()
        var checked: [[String: Any]] = []
        for step in try Self.steps() {
            let raw = try String(contentsOf: step.event, encoding: .utf8)
            let event = scenario.substitute(raw)
            if step.name.hasSuffix("import-questions") { scenario.learnBank(from: try Self.object(Data(raw.utf8))) }
            let output = await FunctionHandler(step.function, environment: environment)
                .handle(Data(event.utf8), context: InvocationContext(requestId: "invoke-\(step.name)"))
            var actual = try Self.object(output)
            if step.function != .maintenance {
                let body = try JSONSerialization.jsonObject(with: Data((actual["body"] as? String ?? "").utf8))
                actual["body"] = body
                scenario.observe(body)
                let eventObject = try Self.object(Data(event.utf8))
                if let route = Self.route(of: eventObject), route != "$default" {
                    let parts = route.split(separator: " ", maxSplits: 1)
                    checked.append(["name": step.name, "method": String(parts[0]), "route": String(parts[1]), "status": actual["statusCode"] as? Int ?? 0, "body": body])
                }
            }
            let comparable = scenario.wildcarded(actual)
            if record {
                let data = try JSONSerialization.data(withJSONObject: comparable, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                try (data + Data("\n".utf8)).write(to: step.expected)
                continue
            }
            let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: step.expected))
            let mismatches = Self.compare(expected, comparable, path: step.name)
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

    /// Where `actual` differs from `expected`; `"*"` in `expected` matches any value.
    static func compare(_ expected: Any, _ actual: Any, path: String) -> [String] {
        if let wildcard = expected as? String, wildcard == "*" { return [] }
        switch (expected, actual) {
        case (let expected as [String: Any], let actual as [String: Any]):
            var problems: [String] = []
            for key in Set(expected.keys).union(actual.keys).sorted() {
                guard let left = expected[key] else { problems.append("\(path).\(key) is unexpected"); continue }
                guard let right = actual[key] else { problems.append("\(path).\(key) is missing"); continue }
                problems += compare(left, right, path: "\(path).\(key)")
            }
            return problems
        case (let expected as [Any], let actual as [Any]):
            guard expected.count == actual.count else { return ["\(path) has \(actual.count) elements, not \(expected.count)"] }
            return zip(expected, actual).enumerated().flatMap { compare($1.0, $1.1, path: "\(path)[\($0)]") }
        default:
            // Scalars compare by their JSON text, which treats 1 and 1.0 alike as JSON does.
            return json(expected) == json(actual) ? [] : ["\(path) is \(json(actual)), not \(json(expected))"]
        }
    }

    static func json(_ scalar: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [scalar], options: [.fragmentsAllowed])) ?? Data()
        return String(decoding: data, as: UTF8.self)
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

/// What the replay has learnt: the session it started, the question being served, the bank's answers.
/// Events address a flashcard session as `s-cards`: the first flashcard session the replay started.
struct Scenario {
    var sessionId: String?
    var cardSessionId: String?
    /// Every other session the replay started (random ids, wildcarded like the two above).
    var otherSessionIds: [String] = []
    var currentQuestion: String?
    var correct: [String: [String]] = [:]
    var choices: [String: [String]] = [:]

    mutating func learnBank(from event: [String: Any]) {
        guard let body = event["body"] as? String,
            let questions = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]
        else { return }
        for question in questions {
            guard let id = question["id"] as? String else { continue }
            correct[id] = question["correctAnswers"] as? [String]
            choices[id] = (question["answers"] as? [[String: String]])?.compactMap { $0["id"] }
        }
    }

    mutating func observe(_ body: Any) {
        guard let body = body as? [String: Any] else { return }
        let session = body["session"] as? [String: Any]
        if session?["mode"] as? String == "flashcards" {
            if cardSessionId == nil { cardSessionId = session?["sessionId"] as? String }
        } else if sessionId == nil, let id = session?["sessionId"] as? String {
            sessionId = id
        }
        if let id = session?["sessionId"] as? String, id != sessionId, id != cardSessionId, !otherSessionIds.contains(id) {
            otherSessionIds.append(id)
        }
        if let id = body["questionId"] as? String { currentQuestion = id }
        if let id = (body["question"] as? [String: Any])?["questionId"] as? String { currentQuestion = id }
    }

    func substitute(_ event: String) -> String {
        var text = event
        if let sessionId { text = text.replacingOccurrences(of: "s-example", with: sessionId) }
        if let cardSessionId { text = text.replacingOccurrences(of: "s-cards", with: cardSessionId) }
        if let question = currentQuestion {
            let right = correct[question] ?? []
            let wrong = (choices[question] ?? []).first { !right.contains($0) } ?? "none"
            text = text.replacingOccurrences(of: #"\"q-current\""#, with: #"\"\#(question)\""#)
            text = text.replacingOccurrences(of: #"\"q-other\""#, with: #"\"\#(correct.keys.sorted().first { $0 != question } ?? "q-other")\""#)
            text = text.replacingOccurrences(of: #"[\"right\"]"#, with: "[" + right.map { #"\"\#($0)\""# }.joined(separator: ",") + "]")
            text = text.replacingOccurrences(of: #"[\"wrong\"]"#, with: #"[\"\#(wrong)\"]"#)
        }
        return text
    }

    /// The response with its random parts replaced by `"*"`: the session id wherever it appears,
    /// the order a served question's choices were shuffled into, and the store's latency. The
    /// scenario's session draws from a category with one question, so every pick is forced.
    func wildcarded(_ value: Any) -> Any {
        switch value {
        case let object as [String: Any]:
            var result: [String: Any] = [:]
            let served = object["questionId"] != nil && object["attempt"] != nil
            for (key, field) in object {
                if (served && key == "answers") || key == "storeLatencyMs" {
                    result[key] = "*"
                } else {
                    result[key] = wildcarded(field)
                }
            }
            return result
        case let array as [Any]:
            return array.map(wildcarded)
        case let text as String:
            // Response bodies travel as JSON text inside the proxy response: parse those too.
            var result = text
            for id in [sessionId, cardSessionId].compactMap({ $0 }) + otherSessionIds where result.contains(id) {
                result = result.replacingOccurrences(of: id, with: "*")
            }
            return result
        default:
            return value
        }
    }
}
