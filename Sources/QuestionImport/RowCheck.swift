import QuizEngine

/// The problems of one row, in field order: each field's read errors, then what its checks find.
struct RowCheck {
    /// A read error and its place in reading order.
    private typealias PendingError = (order: Int, error: RowError)

    private let row: Int
    private let questionId: String?
    private var errors: [RowError] = []
    /// Read errors not yet moved into `errors`, by top-level field (`answers` for `answers[1].id`)
    /// and then by field, so that each lookup costs the same however many there are.
    private var pendingReadErrors: [String: [String: [PendingError]]] = [:]

    /// The check of `draft`, which must have no read error of the row as a whole.
    init(draft: QuestionDraft) {
        row = draft.row
        questionId = draft.reportedId
        for (order, error) in draft.readErrors.enumerated() {
            let field = error.field ?? ""
            pendingReadErrors[Self.topLevelField(of: field), default: [:]][field, default: []].append((order, error))
        }
    }

    /// Every problem of the row: the checks' findings, then read errors no check looked at
    /// (there are none while readers report only the fields checked here).
    consuming func finish() -> [RowError] {
        let remaining = pendingReadErrors.values.flatMap { $0.values.joined() }.sorted { $0.order < $1.order }
        return errors + remaining.map(\.error)
    }

    /// Notes a problem with `field`.
    mutating func fail(_ field: String, _ message: String) {
        errors.append(RowError(row: row, questionId: questionId, field: field, message: message))
    }

    // MARK: - Fields

    /// Checks the question id; the id when it is valid.
    mutating func questionId(_ id: String?) -> String? {
        guard !takeReadErrors(in: "id") else { return nil }
        guard let id else {
            fail("id", "the question id is required")
            return nil
        }
        return identifier(id, field: "id", name: "the question id", kind: .question) ? id : nil
    }

    mutating func category(_ category: String?) {
        guard !takeReadErrors(in: "category"), let category else { return }
        identifier(category, field: "category", name: "the category", kind: .category)
    }

    /// Checks an id or a category against `Identifier`, the rule every route applies too;
    /// whether it is valid.
    @discardableResult
    private mutating func identifier(_ value: String, field: String, name: String, kind: Identifier.Kind) -> Bool {
        guard let problem = Identifier.problem(with: value, as: kind) else { return true }
        fail(field, Self.message(for: problem, name: name, alphabet: kind.alphabet))
        return false
    }

    /// The row error for an identifier `problem`, `name` being what the identifier is.
    static func message(for problem: Identifier.Problem, name: String, alphabet: Identifier.Alphabet) -> String {
        switch (problem, alphabet) {
        case (.empty, _):
            "\(name) is required"
        case (.disallowedCharacter, .name):
            "\(name) may contain only ASCII letters, digits, '.', '_', ':' and '-'"
        case (.disallowedCharacter, .text):
            "\(name) may not contain control characters"
        case (.tooLong(let maximumBytes), .name):
            // Names are ASCII, so their bytes and characters are one count.
            "\(name) is longer than \(maximumBytes) characters"
        case (.tooLong(let maximumBytes), .text):
            // Counted as every route counts it: `é` is two bytes.
            "\(name) is longer than \(maximumBytes) bytes of UTF-8"
        }
    }

    /// Checks the text field `field` of the question, unless reading it already failed.
    mutating func text(_ value: String?, field: String, name: String, maxLength: Int, isRequired: Bool = true) {
        guard !takeReadErrors(in: field) else { return }
        checkText(value, field: field, name: name, maxLength: maxLength, isRequired: isRequired)
    }

    private mutating func checkText(_ value: String?, field: String, name: String, maxLength: Int, isRequired: Bool) {
        if let value, value.count > maxLength {
            fail(field, "\(name) is longer than \(maxLength) characters")
        } else if value == nil && isRequired {
            fail(field, "\(name) is required")
        }
    }

    mutating func answers(_ choices: [ChoiceDraft]?) {
        let minimum = QuestionLimits.minAnswers
        guard let choices else {
            if !takeReadErrors(at: "answers") {
                fail("answers", "a question needs at least \(minimum) answers; found 0")
            }
            return
        }
        if choices.count < minimum {
            fail("answers", "a question needs at least \(minimum) answers; found \(choices.count)")
        } else if choices.count > QuestionLimits.maxAnswers {
            // Checking each of thousands of choices would only make the error as long as the body.
            return fail("answers", QuestionLimits.tooManyAnswers(choices.count))
        }
        var seenIds: Set<String> = []
        for choice in choices {
            // In CSV the three names are one column name, so the first take takes all; a choice
            // that is not an object at all has nothing more to check.
            let choiceIsUnreadable = takeReadErrors(at: choice.field)
            let idIsUnreadable = takeReadErrors(at: choice.idField)
            let textIsUnreadable = takeReadErrors(at: choice.textField)
            if choiceIsUnreadable { continue }
            if !idIsUnreadable {
                if let id = choice.id {
                    if identifier(id, field: choice.idField, name: "the answer id", kind: .choice),
                        !seenIds.insert(id).inserted
                    {
                        fail(choice.idField, "the answer id \(clipped(id)) is used more than once")
                    }
                } else {
                    fail(choice.idField, "the answer id is required")
                }
            }
            if !textIsUnreadable {
                checkText(
                    choice.text, field: choice.textField, name: "the answer text",
                    maxLength: QuestionLimits.maxAnswerTextLength, isRequired: true
                )
            }
        }
    }

    mutating func correctAnswers(_ correct: [String]?, field: String, choices: [ChoiceDraft]?) {
        guard !takeReadErrors(in: field) else { return }
        guard let correct, !correct.isEmpty else { return fail(field, "at least one correct answer is required") }
        guard correct.count <= QuestionLimits.maxAnswers else {
            return fail(field, QuestionLimits.tooManyCorrectAnswers(correct.count))
        }
        // Membership is only meaningful once every choice has an id; until then the choices'
        // own errors say what to fix.
        let choiceIds = choices?.compactMap(\.id) ?? []
        let checksMembership = choices.map { !$0.isEmpty && choiceIds.count == $0.count } ?? false
        var seen: Set<String> = []
        for id in correct {
            if !seen.insert(id).inserted {
                fail(field, "the correct answer \(clipped(id)) is listed more than once")
            } else if checksMembership && !choiceIds.contains(id) {
                fail(field, "the correct answer \(clipped(id)) is not one of the answer ids")
            }
        }
    }

    // MARK: - Read errors

    /// `answers` for `answers[1].id`, `correctAnswers` for `correctAnswers[0]`.
    private static func topLevelField(of field: String) -> String {
        String(field.prefix { $0 != "[" && $0 != "." })
    }

    /// Moves the read errors of the top-level field `field` and of the fields nested in it
    /// (`correctAnswers[1]` is nested in `correctAnswers`) into `errors`; whether there were any.
    private mutating func takeReadErrors(in field: String) -> Bool {
        move(pendingReadErrors.removeValue(forKey: field).map { Array($0.values.joined()) } ?? [])
    }

    /// Moves the read errors of exactly `field` into `errors`; whether there were any.
    private mutating func takeReadErrors(at field: String) -> Bool {
        move(pendingReadErrors[Self.topLevelField(of: field)]?.removeValue(forKey: field) ?? [])
    }

    private mutating func move(_ taken: [PendingError]) -> Bool {
        errors += taken.sorted { $0.order < $1.order }.map(\.error)
        return !taken.isEmpty
    }
}
