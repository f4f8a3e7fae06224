import Foundation

/// The parts of the API's JSON the learners read (`openapi.yaml`); everything else is ignored.
enum QuizAPI {
    struct SessionEnvelope: Decodable {
        struct Session: Decodable {
            var sessionId: String
        }
        var session: Session
    }

    struct Question: Decodable {
        struct Choice: Decodable {
            var id: String
        }
        var questionId: String
        var answers: [Choice]
        var attempt: Int
    }

    struct AnswerResult: Decodable {
        var correct: Bool
        var nextAction: String
        var version: Int
        var question: Question?
    }

    struct Progress: Decodable {
        struct Totals: Decodable {
            var answers: Int
        }
        var userId: String
        var totals: Totals
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
