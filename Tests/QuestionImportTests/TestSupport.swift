import FoundationEssentials
import QuestionImport
import QuizEngine
import Testing

/// A small bank covering what an import must carry through unchanged: a multi-select question,
/// text with commas, quotes and line breaks, non-ASCII text and choice ids, and absent optionals.
enum SampleBank {
    static let questions: [Question] = [
        Question(
            id: "q-1", category: "algebra", text: "What is 2 + 2?",
            answers: [
                AnswerChoice(id: "a", text: "3"), AnswerChoice(id: "b", text: "4"), AnswerChoice(id: "c", text: "5"),
            ],
            correctAnswers: ["b"], explanation: "2 + 2 = 4.", source: "Arithmetic, chapter 1"
        ),
        Question(
            id: "q-2", category: "algebra", text: #"Which are even, "strictly" speaking?"#,
            answers: [
                AnswerChoice(id: "a", text: "2"), AnswerChoice(id: "b", text: "3"),
                AnswerChoice(id: "c", text: "4, of course"),
            ],
            correctAnswers: ["a", "c"], explanation: "Line one.\nLine two, with a comma and a \"quote\"."
        ),
        Question(
            id: "geo:capitals.fr_1", text: "Quelle est la capitale de la France ? 🇫🇷",
            answers: [AnswerChoice(id: "α", text: "Paris"), AnswerChoice(id: "β", text: "Zürich — «non»")],
            correctAnswers: ["α"], source: "Atlas 日本"
        ),
    ]

    /// The bank as a JSON array, as `JSONEncoder` writes it.
    static func jsonArray(_ questions: [Question] = questions) throws -> String {
        String(decoding: try JSONEncoder().encode(questions), as: UTF8.self)
    }

    /// The bank as JSON Lines, one encoded question per line.
    static func jsonLines(_ questions: [Question] = questions, separator: String = "\n") throws -> String {
        try questions.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }.joined(separator: separator)
    }

    /// The bank as CSV in the documented layout, quoting as RFC 4180 says, with CRLF line ends.
    static func csv(_ questions: [Question] = questions) -> String {
        var choiceIds: [String] = []
        for id in questions.flatMap(\.answerIds) where !choiceIds.contains(id) {
            choiceIds.append(id)
        }
        let header = ["id", "category", "text", "correct", "explanation", "source"] + choiceIds.map { "answer:\($0)" }
        let rows = questions.map { question in
            let fixed = [
                question.id, question.category ?? "", question.text, question.correctAnswers.joined(separator: "|"),
                question.explanation ?? "", question.source ?? "",
            ]
            return fixed + choiceIds.map { id in question.answers.first { $0.id == id }?.text ?? "" }
        }
        return ([header] + rows).map { $0.map(csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    private static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return value }
        return "\"" + value.replacing("\"", with: "\"\"") + "\""
    }
}

// MARK: - Building JSON uploads

/// A JSON value written in Swift literals, members in the order given, for uploads whose exact
/// shape (wrong types, missing members) a test controls.
indirect enum JSONText: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    case string(String), number(Int), bool(Bool), null, array([JSONText]), object([(String, JSONText)])

    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .number(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: JSONText...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, JSONText)...) { self = .object(elements) }
    init(nilLiteral: ()) { self = .null }

    /// The value as compact JSON text.
    var text: String {
        switch self {
        case .string(let value): Self.quoted(value)
        case .number(let value): String(value)
        case .bool(let value): String(value)
        case .null: "null"
        case .array(let elements): "[" + elements.map(\.text).joined(separator: ",") + "]"
        case .object(let members):
            "{" + members.map { Self.quoted($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    /// The object with member `name` set to `value`, or removed when `value` is `nil`.
    func setting(_ name: String, to value: JSONText?) -> JSONText {
        guard case .object(var members) = self else { return self }
        if let index = members.firstIndex(where: { $0.0 == name }) {
            if let value { members[index].1 = value } else { members.remove(at: index) }
        } else if let value {
            members.append((name, value))
        }
        return .object(members)
    }

    private static func quoted(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// A valid question with id `id` and choices a, b and c, b being correct.
    static func question(_ id: String = "q-1") -> JSONText {
        [
            "id": .string(id), "category": "algebra", "text": "What is 2 + 2?",
            "answers": [["id": "a", "text": "3"], ["id": "b", "text": "4"], ["id": "c", "text": "5"]],
            "correctAnswers": ["b"], "explanation": "2 + 2 = 4.", "source": "Arithmetic",
        ]
    }
}

// MARK: - Running imports

/// The result of importing `body` with the default importer.
func importQuestions(_ body: String, contentType: String? = nil) throws(ImportError) -> ImportResult {
    try QuestionImporter().importQuestions(from: body, contentType: contentType)
}

/// The error importing `body` throws, recording an issue when it does not throw one.
func importError(
    _ body: String, contentType: String? = nil, importer: QuestionImporter = QuestionImporter(),
    sourceLocation: SourceLocation = #_sourceLocation
) -> ImportError? {
    #expect(throws: ImportError.self, sourceLocation: sourceLocation) {
        try importer.importQuestions(from: body, contentType: contentType)
    }
}

/// A row error, in the order its parts appear in a response.
func rowError(_ row: Int, _ questionId: String?, _ field: String?, _ message: String) -> RowError {
    RowError(row: row, questionId: questionId, field: field, message: message)
}

/// The message for an id or category with characters outside `A–Z a–z 0–9 . _ : -`.
func charsetMessage(_ name: String) -> String {
    "\(name) may contain only ASCII letters, digits, '.', '_', ':' and '-'"
}

/// `count` characters of `character`.
func repeated(_ character: Character, _ count: Int) -> String {
    String(repeating: character, count: count)
}
