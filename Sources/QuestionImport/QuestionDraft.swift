import QuizEngine
import StrictJSON

/// A question as read from one row of an upload, before any rule is checked.
///
/// Readers fill in what the row holds, trimmed of surrounding whitespace, with empty values as
/// `nil`, and note in `readErrors` what only they can see: a wrong JSON type, a CSV record that does
/// not fit the header. `QuestionValidator` then checks the rules, skipping a field that already has
/// a read error so that `"text": 7` is not also reported as a missing text. A read error without a
/// field means the row could not be read at all.
struct QuestionDraft: Sendable {
    /// The row, numbered as the author sees it (see `RowError.row`).
    var row: Int
    var id: String?
    var category: String?
    var text: String?
    /// The choices; `nil` when the row has none at all.
    var answers: [ChoiceDraft]?
    var correctAnswers: [String]?
    var explanation: String?
    var source: String?
    /// What errors call the correct answers: `correctAnswers` in JSON, `correct` in CSV.
    var correctAnswersField: String
    /// Problems found while reading, in field order.
    var readErrors: [RowError] = []

    /// An empty draft of `row`.
    init(row: Int, correctAnswersField: String) {
        self.row = row
        self.correctAnswersField = correctAnswersField
    }

    /// The draft of a row that cannot be read at all, for the reason `message`.
    static func unreadable(row: Int, _ message: String) -> QuestionDraft {
        var draft = QuestionDraft(row: row, correctAnswersField: "correctAnswers")
        draft.recordReadError(field: nil, message)
        return draft
    }

    /// The question the draft describes, or `nil` while a required part is missing. Only a draft
    /// `QuestionValidator` found no problem with is a valid question.
    var question: Question? {
        guard let id, let text, let answers, let correctAnswers else { return nil }
        let choices = answers.compactMap { choice in
            choice.id.flatMap { id in choice.text.map { AnswerChoice(id: id, text: $0) } }
        }
        guard choices.count == answers.count else { return nil }
        return Question(
            id: id, category: category, text: text, answers: choices, correctAnswers: correctAnswers,
            explanation: explanation, source: source
        )
    }

    /// The id to name in errors: the row's id unless it is missing or too long to quote.
    var reportedId: String? {
        guard let id, id.utf8.count <= QuestionLimits.maxIdLength else { return nil }
        return id
    }

    /// Notes a problem found while reading.
    mutating func recordReadError(field: String?, _ message: String) {
        readErrors.append(RowError(row: row, questionId: reportedId, field: field, message: message))
    }
}

/// One choice of a `QuestionDraft`, with the names errors give its parts.
struct ChoiceDraft: Sendable {
    var id: String?
    var text: String?
    /// The choice as a whole: `answers[1]` in JSON, `answer:b` in CSV.
    var field: String
    /// Its id: `answers[1].id` in JSON; in CSV the id is part of the column name, `answer:b`.
    var idField: String
    /// Its text: `answers[1].text` in JSON, `answer:b` in CSV.
    var textField: String
}

// MARK: - From a JSON object

extension JSONValue {
    /// How an error message names this kind of value: `a string`, `an array`, ….
    var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension QuestionDraft {
    /// The draft of the JSON value `value`, found at `row`; unknown members and `multiSelect`,
    /// which follows from `correctAnswers`, are ignored.
    init(json value: JSONValue, row: Int) {
        self.init(row: row, correctAnswersField: "correctAnswers")
        guard case .object(let members) = value else {
            recordReadError(field: nil, "a question must be a JSON object, not \(value.kindDescription)")
            return
        }
        id = readString(members["id"], field: "id", name: "the question id")
        category = readString(members["category"], field: "category", name: "the category")
        text = readString(members["text"], field: "text", name: "the question text")
        answers = readChoices(members["answers"])
        correctAnswers = readCorrectAnswers(members["correctAnswers"])
        explanation = readString(members["explanation"], field: "explanation", name: "the explanation")
        source = readString(members["source"], field: "source", name: "the source")
    }

    private mutating func readString(_ value: JSONValue?, field: String, name: String) -> String? {
        switch value {
        case nil, .null:
            return nil
        case .string(let string):
            let trimmed = string.trimmed()
            return trimmed.isEmpty ? nil : trimmed
        case let other?:
            recordReadError(field: field, "\(name) must be a string, not \(other.kindDescription)")
            return nil
        }
    }

    private mutating func readChoices(_ value: JSONValue?) -> [ChoiceDraft]? {
        switch value {
        case nil, .null:
            return nil
        case .array(let elements) where elements.count > QuestionLimits.maxAnswers:
            // Reading each of thousands of elements would only make the error as long as the body.
            recordReadError(field: "answers", QuestionLimits.tooManyAnswers(elements.count))
            return nil
        case .array(let elements):
            return elements.indices.map { index in
                let field = "answers[\(index)]"
                var choice = ChoiceDraft(
                    id: nil, text: nil, field: field, idField: "\(field).id", textField: "\(field).text"
                )
                guard case .object(let members) = elements[index] else {
                    let kind = elements[index].kindDescription
                    recordReadError(field: field, #"an answer must be an object with "id" and "text", not \#(kind)"#)
                    return choice
                }
                choice.id = readString(members["id"], field: choice.idField, name: "the answer id")
                choice.text = readString(members["text"], field: choice.textField, name: "the answer text")
                return choice
            }
        case let other?:
            let kind = other.kindDescription
            recordReadError(field: "answers", #"the answers must be an array of {"id", "text"} objects, not \#(kind)"#)
            return nil
        }
    }

    private mutating func readCorrectAnswers(_ value: JSONValue?) -> [String]? {
        switch value {
        case nil, .null:
            return nil
        case .array(let elements) where elements.count > QuestionLimits.maxAnswers:
            recordReadError(field: "correctAnswers", QuestionLimits.tooManyCorrectAnswers(elements.count))
            return nil
        case .array(let elements):
            return elements.indices.compactMap { index in
                guard case .string(let id) = elements[index] else {
                    recordReadError(
                        field: "correctAnswers[\(index)]",
                        "a correct answer must be an answer id string, not \(elements[index].kindDescription)"
                    )
                    return nil
                }
                return id.trimmed()
            }
        case let other?:
            let kind = other.kindDescription
            recordReadError(field: "correctAnswers", "the correct answers must be an array of answer ids, not \(kind)")
            return nil
        }
    }
}
