/// A moment in time as milliseconds since the Unix epoch.
///
/// The engine reads no clock (docs/contributing.md#house-rules: time is injected): every method that needs
/// "now" takes it as a parameter, so the handler decides what now is and tests can say exactly when things
/// happen.
public typealias EpochMilliseconds = Int64

/// A question of a bank, as imported (docs/http-contract.md#importing-questions).
///
/// The engine needs only `id`, the answer ids and `correctAnswers`; the other fields travel with it
/// so that handlers have one domain type for import, listing and serving. Correct answers are kept as
/// an array, not a `Set`, so that a question encodes to the same bytes in every process: a `Set`'s
/// order follows a per-process hash seed.
public struct Question: Codable, Sendable, Hashable, Identifiable {
    /// The question's id, unique within its bank (e.g. `q-17`).
    public var id: String
    /// The category sessions may be restricted to, e.g. `algebra`.
    public var category: String?
    /// The question as shown to the user.
    public var text: String
    /// The choices, in bank order.
    public var answers: [AnswerChoice]
    /// The ids of the correct choices; more than one makes the question multi-select.
    public var correctAnswers: [String]
    /// Why the correct answers are correct, shown after answering.
    public var explanation: String?
    /// Where the question comes from.
    public var source: String?

    /// A question.
    public init(
        id: String, category: String? = nil, text: String, answers: [AnswerChoice], correctAnswers: [String],
        explanation: String? = nil, source: String? = nil
    ) {
        self.id = id
        self.category = category
        self.text = text
        self.answers = answers
        self.correctAnswers = correctAnswers
        self.explanation = explanation
        self.source = source
    }

    /// Whether more than one answer is correct, so the user must pick them all.
    public var multiSelect: Bool { correctAnswers.contains { $0 != correctAnswers[0] } }

    /// The choice ids in bank order.
    public var answerIds: [String] { answers.map(\.id) }
}

/// One choice of a question.
public struct AnswerChoice: Codable, Sendable, Hashable, Identifiable {
    /// The choice's id within its question, e.g. `b`.
    public var id: String
    /// The choice as shown to the user.
    public var text: String

    /// A choice.
    public init(id: String, text: String) {
        self.id = id
        self.text = text
    }
}

/// Where a question lives: its bank and its id in that bank.
///
/// Question ids are unique only within a bank, while a user's wrong-answer pool is shared by all of
/// that user's sessions, which may use different banks (docs/http-contract.md#adaptive-rules); so the pool, the served
/// question and the picker name questions by bank and id together.
public struct QuestionRef: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The bank holding the question.
    public var bankId: String
    /// The question's id within the bank.
    public var questionId: String

    /// A reference to question `questionId` of bank `bankId`.
    public init(bankId: String, questionId: String) {
        self.bankId = bankId
        self.questionId = questionId
    }

    /// Orders by bank, then question id: the tie-break that makes "oldest pool entry" deterministic.
    public static func < (lhs: QuestionRef, rhs: QuestionRef) -> Bool {
        (lhs.bankId, lhs.questionId) < (rhs.bankId, rhs.questionId)
    }

    /// `bankId/questionId`.
    public var description: String { "\(bankId)/\(questionId)" }
}

// MARK: - Grading

/// Checks and grades a selection of answer ids against a question.
///
/// Two steps, on purpose: `validate` refuses requests that are malformed for the question being
/// served (nothing selected, or ids it does not offer) before anything is counted, and `isCorrect`
/// grades a well-formed selection. A client that sends an unknown id gets a clear validation error
/// (422) instead of a silent "wrong" that would use up a try and push the question into the pool;
/// `isCorrect` on its own still treats unknown ids as wrong, since they are never in the correct set.
public enum AnswerGrader {
    /// Throws `invalidAnswer` when `selected` is empty or names ids that are not among `choices`.
    ///
    /// `choices` are the served choice ids (`ServedQuestion.choiceOrder`), i.e. what the user saw.
    /// Duplicate ids in `selected` are allowed: a selection is a set.
    public static func validate(_ selected: [String], choices: [String]) throws(SessionError) {
        guard !selected.isEmpty else { throw .emptySelection }
        // A question offers a handful of choices: searching them beats hashing them into a set.
        let offered = choices.count > 16 ? Set(choices) : nil
        var unknown: [String] = []
        for id in selected where !(offered?.contains(id) ?? choices.contains(id)) && !unknown.contains(id) {
            unknown.append(id)
        }
        guard unknown.isEmpty else { throw .unknownAnswers(unknown) }
    }

    /// Whether `selected` is exactly the set of `correctAnswers` (docs/http-contract.md#adaptive-rules).
    ///
    /// Compared as sets: order and duplicates in the selection do not matter, while a subset, a
    /// superset or any unknown id makes it wrong. The same rule grades single- and multi-select
    /// questions, so picking two choices of a single-answer question is simply wrong.
    public static func isCorrect(_ selected: [String], correctAnswers: [String]) -> Bool {
        guard !correctAnswers.isEmpty else { return false }
        // Equal as sets: each side's every id is on the other side. Selections are at most a
        // dozen ids, so two searches are cheaper than two sets.
        guard selected.count <= 16, correctAnswers.count <= 16 else { return Set(selected) == Set(correctAnswers) }
        return selected.allSatisfy(correctAnswers.contains) && correctAnswers.allSatisfy(selected.contains)
    }

    /// Validates `selected` against the served `choices`, then grades it against `question`.
    public static func grade(
        _ selected: [String], for question: Question, choices: [String]
    ) throws(SessionError) -> Bool {
        try validate(selected, choices: choices)
        return isCorrect(selected, correctAnswers: question.correctAnswers)
    }
}
