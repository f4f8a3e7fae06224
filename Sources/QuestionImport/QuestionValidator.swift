import QuizEngine

/// The limits an imported question must keep. Lengths of text count characters as the author
/// sees them (grapheme clusters: `é` and `👍🏽` are one each). Ids, choice ids and categories are
/// identifiers (`Identifier`, the rule every route applies too), whose lengths count UTF-8 bytes.
public enum QuestionLimits {
    /// The longest question id, in bytes.
    public static let maxIdLength = Identifier.Kind.question.maximumBytes
    /// The longest question text.
    public static let maxTextLength = 2_000
    /// The longest category, in bytes.
    public static let maxCategoryLength = Identifier.Kind.category.maximumBytes
    /// The fewest choices a question may have.
    public static let minAnswers = 2
    /// The most choices a question may have.
    public static let maxAnswers = 12
    /// The longest choice id, in bytes.
    public static let maxAnswerIdLength = Identifier.Kind.choice.maximumBytes
    /// The longest choice text.
    public static let maxAnswerTextLength = 500
    /// The longest explanation.
    public static let maxExplanationLength = 2_000
    /// The longest source.
    public static let maxSourceLength = 256
}

extension QuestionLimits {
    /// The error for a question with `count` choices, over `maxAnswers`.
    static func tooManyAnswers(_ count: Int) -> String {
        "a question can have at most \(maxAnswers) answers; found \(count)"
    }

    /// The error for a question with `count` correct answers, over `maxAnswers`.
    static func tooManyCorrectAnswers(_ count: Int) -> String {
        "a question can have at most \(maxAnswers) correct answers; found \(count)"
    }
}

/// Checks drafts against the rules of docs/http-contract.md#importing-questions and `QuestionLimits`, one row
/// after another, collecting every problem of every row instead of stopping at the first.
///
/// It remembers the ids it has seen, so a repeated question id is reported on the later row with
/// the row of its first use. It counts every problem but lists only the first `maxListedErrors`:
/// 5,000 rows with a dozen mistakes each would otherwise make a response of several megabytes,
/// past what a Lambda response may carry.
struct QuestionValidator {
    /// The most problems `error` lists.
    let maxListedErrors: Int
    /// The first `maxListedErrors` problems found so far, in row order.
    private var listedErrors: [RowError] = []
    /// How many problems were found, listed or not.
    private var problemCount = 0
    /// How many rows had problems.
    private var invalidRowCount = 0
    /// The first row of each question id seen so far.
    private var firstRowOfId: [String: Int] = [:]

    /// A validator that lists at most `maxListedErrors` problems.
    init(maxListedErrors: Int) {
        self.maxListedErrors = maxListedErrors
    }

    /// The error to throw when problems were found, `nil` when all rows were valid.
    var error: ImportError? {
        guard problemCount > 0 else { return nil }
        return .invalidRows(listing: listedErrors, invalidRowCount: invalidRowCount, problemCount: problemCount)
    }

    /// The question `draft` describes, or `nil` when the row has problems, which are recorded for
    /// `error`.
    mutating func validate(_ draft: QuestionDraft) -> Question? {
        if draft.readErrors.contains(where: { $0.field == nil }) {
            record(draft.readErrors)
            return nil
        }
        var check = RowCheck(draft: draft)
        if let id = check.questionId(draft.id) {
            if let firstRow = firstRowOfId[id] {
                check.fail("id", "the question id is already used in row \(firstRow)")
            } else {
                firstRowOfId[id] = draft.row
            }
        }
        check.category(draft.category)
        check.text(draft.text, field: "text", name: "the question text", maxLength: QuestionLimits.maxTextLength)
        check.answers(draft.answers)
        check.correctAnswers(draft.correctAnswers, field: draft.correctAnswersField, choices: draft.answers)
        check.text(
            draft.explanation, field: "explanation", name: "the explanation",
            maxLength: QuestionLimits.maxExplanationLength, isRequired: false
        )
        check.text(
            draft.source, field: "source", name: "the source", maxLength: QuestionLimits.maxSourceLength,
            isRequired: false
        )

        let rowErrors = check.finish()
        record(rowErrors)
        return rowErrors.isEmpty ? draft.question : nil
    }

    /// Adds the problems of one row.
    private mutating func record(_ rowErrors: [RowError]) {
        guard !rowErrors.isEmpty else { return }
        invalidRowCount += 1
        problemCount += rowErrors.count
        listedErrors += rowErrors.prefix(maxListedErrors - listedErrors.count)
    }
}
