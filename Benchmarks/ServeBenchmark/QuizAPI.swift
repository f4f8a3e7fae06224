import Foundation
import StrictJSON

/// A response body the learners read: `nil` when the JSON lacks a field they need.
protocol JSONReadable {
    init?(json: JSONValue)
}

/// The parts of the API's JSON the learners read (`openapi.yaml`); everything else is ignored.
///
/// Read with StrictJSON, the parser the functions use, rather than `JSONDecoder`: the learners
/// share the 2 cores with the server they measure, and `JSONDecoder` cost them a fifth of their
/// CPU per request (`perf record` on the benchmark under `--sessions 10`), time the server did
/// not get.
enum QuizAPI {
    struct SessionEnvelope: JSONReadable {
        var sessionId: String

        init?(json: JSONValue) {
            guard let id = json["session"]?["sessionId"]?.stringValue else { return nil }
            sessionId = id
        }
    }

    struct Question: JSONReadable {
        var questionId: String
        /// The choices' ids, in the order served.
        var choices: [String]
        var attempt: Int

        init?(json: JSONValue) {
            guard let id = json["questionId"]?.stringValue, let answers = json["answers"]?.arrayValue,
                let attempt = json["attempt"]?.integerValue
            else { return nil }
            var choices: [String] = []
            choices.reserveCapacity(answers.count)
            for answer in answers {
                guard let choice = answer["id"]?.stringValue else { return nil }
                choices.append(choice)
            }
            questionId = id
            self.choices = choices
            self.attempt = Int(attempt)
        }
    }

    struct AnswerResult: JSONReadable {
        var correct: Bool
        var nextAction: String
        var version: Int
        var question: Question?

        init?(json: JSONValue) {
            guard let correct = json["correct"]?.boolValue, let nextAction = json["nextAction"]?.stringValue,
                let version = json["version"]?.integerValue
            else { return nil }
            self.correct = correct
            self.nextAction = nextAction
            self.version = Int(version)
            switch json["question"] {
            case nil, .null?:
                question = nil
            case let value?:
                guard let next = Question(json: value) else { return nil }
                question = next
            }
        }
    }

    struct Progress: JSONReadable {
        var userId: String
        var answers: Int

        init?(json: JSONValue) {
            guard let userId = json["userId"]?.stringValue, let answers = json["totals"]?["answers"]?.integerValue else { return nil }
            self.userId = userId
            self.answers = Int(answers)
        }
    }

    /// One question of the imported bank, as `POST /banks/{bankId}/questions` takes it.
    struct ImportedQuestion: Codable, Sendable {
        struct Choice: Codable, Sendable {
            var id: String
            var text: String
        }
        var id: String
        var category: String
        var text: String
        var answers: [Choice]
        var correctAnswers: [String]
    }

    /// A bank of `count` single-answer questions with four choices each, over four categories;
    /// the correct choice rotates, so a learner that always picked `a` would be wrong 3 in 4.
    static func bank(count: Int) -> [ImportedQuestion] {
        let categories = ["algebra", "geometry", "history", "physics"]
        let choices = ["a", "b", "c", "d"]
        return (1...count).map { number in
            ImportedQuestion(
                id: "q\(number)",
                category: categories[number % categories.count],
                text: "Benchmark question \(number): which choice is correct?",
                answers: choices.map { ImportedQuestion.Choice(id: $0, text: "Choice \($0) of question \(number)") },
                correctAnswers: [choices[number % choices.count]])
        }
    }
}
