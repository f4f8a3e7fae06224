import QuizEngine
import Testing

@Suite struct AnswerGraderTests {
    static let multiSelect = Question(
        id: "q-m", text: "Which are prime?",
        answers: ["a", "b", "c", "d"].map { AnswerChoice(id: $0, text: $0) }, correctAnswers: ["a", "c"]
    )

    @Test(arguments: [
        (["a", "c"], true),  // exactly the correct set
        (["c", "a"], true),  // order does not matter
        (["a", "c", "a", "c"], true),  // duplicates do not matter
        (["a"], false),  // a subset
        (["a", "b", "c"], false),  // a superset
        (["b", "d"], false),  // disjoint
        (["a", "c", "z"], false),  // an unknown id makes it wrong
    ])
    func multiSelectIsCorrectOnlyForTheExactSet(selected: [String], expected: Bool) {
        #expect(AnswerGrader.isCorrect(selected, correctAnswers: Self.multiSelect.correctAnswers) == expected)
    }

    @Test(arguments: [
        (["b"], true),
        (["b", "b"], true),
        (["a"], false),
        (["a", "b"], false),  // two picks on a single-answer question are wrong, not invalid
    ])
    func singleSelect(selected: [String], expected: Bool) {
        #expect(AnswerGrader.isCorrect(selected, correctAnswers: ["b"]) == expected)
    }

    @Test func aQuestionWithoutCorrectAnswersCannotBeAnsweredCorrectly() {
        #expect(!AnswerGrader.isCorrect(["a"], correctAnswers: []))
    }

    @Test(arguments: [
        (["a"], false),
        (["a", "a"], false),
        (["a", "c"], true),
        (["c", "a", "a"], true),
    ])
    func multiSelectFlagFollowsTheDistinctCorrectAnswers(correct: [String], expected: Bool) {
        let question = Question(id: "q", text: "?", answers: [], correctAnswers: correct)
        #expect(question.multiSelect == expected)
    }

    @Test func anEmptySelectionIsInvalid() {
        let error = #expect(throws: SessionError.self) {
            try AnswerGrader.validate([], choices: ["a", "b"])
        }
        #expect(error?.code == .invalidAnswer)
        #expect(error?.message == "select at least one answer")
    }

    @Test func unknownIdsAreInvalidAndNamedOnceEach() {
        let error = #expect(throws: SessionError.self) {
            try AnswerGrader.grade(["a", "z", "y", "z"], for: Self.multiSelect, choices: ["a", "b", "c", "d"])
        }
        #expect(error?.code == .invalidAnswer)
        #expect(error?.message == "not choices of this question: z, y")
    }

    @Test func gradeValidatesAgainstTheServedChoicesThenCompares() throws {
        let choices = ["d", "c", "b", "a"]
        #expect(try AnswerGrader.grade(["c", "a"], for: Self.multiSelect, choices: choices))
        #expect(try !AnswerGrader.grade(["c"], for: Self.multiSelect, choices: choices))
    }
}
