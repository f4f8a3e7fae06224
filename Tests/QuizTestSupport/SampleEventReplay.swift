import Foundation

/// The sample API Gateway events of `functions/<name>/events/` replayed as one scenario, in the
/// order of their names, and each response compared with the `*.expected.json` beside its event.
/// The contract tests replay them through each function's handler in process; the packaging
/// tests through each deployment zip's bootstrap under the Runtime Interface Emulator.
///
/// Events address the session `s-example` and the question `q-current`; the replay fills in the
/// session the scenario started and the question being served (`q-other`: another question of the
/// bank; selected answers `right` and `wrong`: the served question's correct and a wrong choice,
/// from the bank the import event carries). A flashcard session is addressed as `s-cards`: the
/// first flashcard session the scenario started. In an expected response, `"*"` stands for a value
/// that is random by design: the session ids, the order a served question's choices were shuffled
/// into, the store's latency. Everything else must be equal.
public struct SampleEventReplay {
    /// One sample event and the response recorded for it.
    public struct Step: Sendable {
        /// The function the event is for: its folder under `functions/`.
        public var function: String
        /// The event's file name without `.json`, e.g. `14-answer-right`.
        public var name: String
        /// The event file.
        public var event: URL
        /// The expected response: `<name>.expected.json` beside the event.
        public var expected: URL { event.deletingPathExtension().appendingPathExtension("expected.json") }
    }

    /// A response the replay cannot read: what the function answered was not the JSON it must be.
    public struct UnreadableResponse: Error, CustomStringConvertible {
        /// What was wrong, with the start of the response.
        public var description: String
    }

    /// The first non-flashcard session the scenario started, which events address as `s-example`.
    public private(set) var sessionId: String?
    /// The first flashcard session the scenario started, which events address as `s-cards`.
    public private(set) var cardSessionId: String?
    /// Every other session the scenario started (random ids, wildcarded like the two above).
    public private(set) var otherSessionIds: [String] = []
    /// The question served last, which events address as `q-current`.
    public private(set) var currentQuestion: String?
    /// The bank's correct choices by question id, learnt from the import event.
    public private(set) var correct: [String: [String]] = [:]
    /// The bank's choices by question id, learnt from the import event.
    public private(set) var choices: [String: [String]] = [:]

    /// A replay that has seen nothing yet.
    public init() {}

    /// The sample events of `functions` (folder names under `functions/`), in the order of their
    /// names across all functions: the order the scenario runs in.
    public static func steps(in repository: URL, functions: [String]) throws -> [Step] {
        var steps: [Step] = []
        for function in functions {
            let folder = repository.appendingPathComponent("functions/\(function)/events")
            for file in try FileManager.default.contentsOfDirectory(atPath: folder.path)
            where file.hasSuffix(".json") && !file.hasSuffix(".expected.json") {
                steps.append(Step(function: function, name: String(file.dropLast(".json".count)), event: folder.appendingPathComponent(file)))
            }
        }
        return steps.sorted { $0.name < $1.name }
    }

    // MARK: - Events in

    /// The event of `step` with its placeholders filled in from what the scenario has seen; from
    /// an import event (`…-import-questions`), the bank's choices and correct answers are learnt.
    public mutating func event(for step: Step) throws -> String {
        let raw = try String(contentsOf: step.event, encoding: .utf8)
        if step.name.hasSuffix("import-questions") { learnBank(fromEvent: raw) }
        return substitute(raw)
    }

    /// `event` with an `X-Quiz-Now` header of `milliseconds` (epoch), so that a function started
    /// with `QUIZ_ALLOW_CLOCK_HEADER=1` handles it at that time (docs/memory-model.md, "Time
    /// travel"): a replay on the real clock then answers with the times the expected files
    /// record, which the in-process replay gets from ``TestClock``. `nil` for an event without
    /// headers (the schedule's): its function runs at the machine's time.
    public static func pinningClock(_ event: String, at milliseconds: Int64) throws -> String? {
        guard var object = try JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any],
            var headers = object["headers"] as? [String: Any]
        else { return nil }
        headers["x-quiz-now"] = String(milliseconds)
        object["headers"] = headers
        // A REST API event carries every header in `multiValueHeaders` too, which the functions'
        // event decoding reads in preference to `headers`.
        if var multiValue = object["multiValueHeaders"] as? [String: Any] {
            multiValue["x-quiz-now"] = [String(milliseconds)]
            object["multiValueHeaders"] = multiValue
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes]), as: UTF8.self)
    }

    mutating func learnBank(fromEvent text: String) {
        guard let event = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let body = event["body"] as? String,
            let questions = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]
        else { return }
        for question in questions {
            guard let id = question["id"] as? String else { continue }
            correct[id] = question["correctAnswers"] as? [String]
            choices[id] = (question["answers"] as? [[String: String]])?.compactMap { $0["id"] }
        }
    }

    func substitute(_ event: String) -> String {
        var text = event
        if let sessionId { text = text.replacingOccurrences(of: "s-example", with: sessionId) }
        if let cardSessionId { text = text.replacingOccurrences(of: "s-cards", with: cardSessionId) }
        if let question = currentQuestion {
            let right = correct[question] ?? []
            let wrong = (choices[question] ?? []).first { !right.contains($0) } ?? "none"
            // The placeholders sit in the event's body, itself JSON text: their quotes are escaped.
            text = text.replacingOccurrences(of: #"\"q-current\""#, with: #"\"\#(question)\""#)
            text = text.replacingOccurrences(of: #"\"q-other\""#, with: #"\"\#(correct.keys.sorted().first { $0 != question } ?? "q-other")\""#)
            text = text.replacingOccurrences(of: #"[\"right\"]"#, with: "[" + right.map { #"\"\#($0)\""# }.joined(separator: ",") + "]")
            text = text.replacingOccurrences(of: #"[\"wrong\"]"#, with: #"[\"\#(wrong)\"]"#)
        }
        return text
    }

    // MARK: - Responses out

    /// Reads what a function answered, learns the sessions it started and the question it
    /// served, and returns it with an API Gateway response's `body` parsed from its JSON text (a
    /// scheduled function's summary has no body and is returned as it is).
    public mutating func observe(_ output: Data) throws -> [String: Any] {
        func unreadable(_ problem: String) -> UnreadableResponse {
            UnreadableResponse(description: "\(problem): \(String(decoding: output.prefix(400), as: UTF8.self))")
        }
        guard var response = try? JSONSerialization.jsonObject(with: output) as? [String: Any] else {
            throw unreadable("the response is not a JSON object")
        }
        if response["statusCode"] != nil {
            guard let text = response["body"] as? String, let body = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else {
                throw unreadable("the response's body is not JSON text")
            }
            response["body"] = body
            learn(fromBody: body)
        }
        return response
    }

    mutating func learn(fromBody body: Any) {
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

    /// Where `response` (as ``observe(_:)`` returned it) differs from `step`'s expected file;
    /// empty when they match. `wildcarding` names top-level fields that match anything as well,
    /// for a replay that cannot give the function the recorded time.
    public func mismatches(of response: [String: Any], against step: Step, wildcarding: Set<String> = []) throws -> [String] {
        var expected = try JSONSerialization.jsonObject(with: Data(contentsOf: step.expected))
        if var object = expected as? [String: Any] {
            for key in wildcarding where object[key] != nil { object[key] = "*" }
            expected = object
        }
        return Self.differences(expected, wildcarded(response), path: step.name)
    }
}
