import QuestionImport
import Testing

/// Each import rule (docs/http-contract.md#importing-questions), broken on its own, gives exactly one row's
/// exact errors.
@Suite struct ValidationTests {
    /// A question that breaks rules, and the errors it must give as row 1.
    struct RuleCase: Sendable, CustomTestStringConvertible {
        let name: String
        let question: JSONText
        /// Field and message of each expected error; all carry row 1 and `questionId`.
        let errors: [(field: String?, message: String)]
        let questionId: String?

        init(_ name: String, _ question: JSONText, _ errors: [(String?, String)], questionId: String? = "q-1") {
            self.name = name
            self.question = question
            self.errors = errors
            self.questionId = questionId
        }

        var testDescription: String { name }
    }

    static let base = JSONText.question()

    static func withAnswers(_ pairs: (JSONText, JSONText)...) -> JSONText {
        base.setting("answers", to: .array(pairs.map { ["id": $0.0, "text": $0.1] }))
    }

    static let ruleCases: [RuleCase] = [
        RuleCase("id missing", base.setting("id", to: nil), [("id", "the question id is required")], questionId: nil),
        RuleCase("id blank", base.setting("id", to: " \t"), [("id", "the question id is required")], questionId: nil),
        RuleCase(
            "id too long", base.setting("id", to: .string(repeated("q", 129))),
            [("id", "the question id is longer than 128 characters")], questionId: nil
        ),
        RuleCase(
            "id with a space", base.setting("id", to: "q 1"), [("id", charsetMessage("the question id"))],
            questionId: "q 1"
        ),
        RuleCase(
            "id not ASCII", base.setting("id", to: "q-é"), [("id", charsetMessage("the question id"))],
            questionId: "q-é"
        ),
        RuleCase(
            "id not a string", base.setting("id", to: 17), [("id", "the question id must be a string, not a number")],
            questionId: nil
        ),
        RuleCase("text missing", base.setting("text", to: nil), [("text", "the question text is required")]),
        RuleCase(
            "text too long", base.setting("text", to: .string(repeated("é", 2_001))),
            [("text", "the question text is longer than 2000 characters")]
        ),
        RuleCase(
            "text not a string", base.setting("text", to: ["What?"]),
            [("text", "the question text must be a string, not an array")]
        ),
        RuleCase(
            "category too long", base.setting("category", to: .string(repeated("c", 65))),
            [("category", "the category is longer than 64 characters")]
        ),
        RuleCase(
            "category with a space", base.setting("category", to: "linear algebra"),
            [("category", charsetMessage("the category"))]
        ),
        RuleCase(
            "one answer", withAnswers(("b", "4")), [("answers", "a question needs at least 2 answers; found 1")]
        ),
        RuleCase(
            "thirteen answers",
            base.setting(
                "answers", to: .array((0..<13).map { ["id": .string($0 == 1 ? "b" : "x\($0)"), "text": "t"] })
            ),
            [("answers", "a question can have at most 12 answers; found 13")]
        ),
        RuleCase(
            "answers missing", base.setting("answers", to: nil),
            [("answers", "a question needs at least 2 answers; found 0")]
        ),
        RuleCase(
            "answers not an array", base.setting("answers", to: "x"),
            [("answers", #"the answers must be an array of {"id", "text"} objects, not a string"#)]
        ),
        RuleCase(
            "answer not an object",
            base.setting("answers", to: [["id": "a", "text": "3"], "4", ["id": "b", "text": "5"]]),
            [("answers[1]", #"an answer must be an object with "id" and "text", not a string"#)]
        ),
        RuleCase(
            "answer id missing",
            base.setting("answers", to: [["id": "a", "text": "3"], ["id": "b", "text": "4"], ["text": "5"]]),
            [("answers[2].id", "the answer id is required")]
        ),
        RuleCase(
            "answer id too long", withAnswers(("a", "3"), ("b", "4"), (.string(repeated("c", 33)), "5")),
            [("answers[2].id", "the answer id is longer than 32 bytes of UTF-8")]
        ),
        RuleCase(
            // 18 characters but 36 bytes: refused here, as the answer route would refuse it.
            "answer id of 18 é", withAnswers(("a", "3"), ("b", "4"), (.string(repeated("é", 18)), "5")),
            [("answers[2].id", "the answer id is longer than 32 bytes of UTF-8")]
        ),
        RuleCase(
            "answer id with a control character", withAnswers(("a", "3"), ("b", "4"), ("c\u{7F}", "5")),
            [("answers[2].id", "the answer id may not contain control characters")]
        ),
        RuleCase(
            "answer id repeated", withAnswers(("a", "3"), ("b", "4"), ("a", "5")),
            [("answers[2].id", #"the answer id "a" is used more than once"#)]
        ),
        RuleCase(
            "answer id not a string", withAnswers(("a", "3"), ("b", "4"), (3, "5")),
            [("answers[2].id", "the answer id must be a string, not a number")]
        ),
        RuleCase(
            "answer text blank", withAnswers(("a", "  "), ("b", "4")),
            [("answers[0].text", "the answer text is required")]
        ),
        RuleCase(
            "answer text too long", withAnswers(("a", .string(repeated("t", 501))), ("b", "4")),
            [("answers[0].text", "the answer text is longer than 500 characters")]
        ),
        RuleCase(
            "answer text null or not a string", withAnswers(("a", nil), ("b", false)),
            [
                ("answers[0].text", "the answer text is required"),
                ("answers[1].text", "the answer text must be a string, not a boolean"),
            ]
        ),
        RuleCase(
            "no correct answers", base.setting("correctAnswers", to: []),
            [("correctAnswers", "at least one correct answer is required")]
        ),
        RuleCase(
            "correct answers missing", base.setting("correctAnswers", to: nil),
            [("correctAnswers", "at least one correct answer is required")]
        ),
        RuleCase(
            "correct answer not a choice", base.setting("correctAnswers", to: ["b", "z"]),
            [("correctAnswers", #"the correct answer "z" is not one of the answer ids"#)]
        ),
        RuleCase(
            "correct answer repeated", base.setting("correctAnswers", to: ["b", "c", "b"]),
            [("correctAnswers", #"the correct answer "b" is listed more than once"#)]
        ),
        RuleCase(
            "thirteen correct answers", base.setting("correctAnswers", to: .array(Array(repeating: "b", count: 13))),
            [("correctAnswers", "a question can have at most 12 correct answers; found 13")]
        ),
        RuleCase(
            "correct answers not an array", base.setting("correctAnswers", to: "b"),
            [("correctAnswers", "the correct answers must be an array of answer ids, not a string")]
        ),
        RuleCase(
            "correct answer not a string", base.setting("correctAnswers", to: ["b", 1]),
            [("correctAnswers[1]", "a correct answer must be an answer id string, not a number")]
        ),
        RuleCase(
            "explanation too long", base.setting("explanation", to: .string(repeated("e", 2_001))),
            [("explanation", "the explanation is longer than 2000 characters")]
        ),
        RuleCase(
            "explanation not a string", base.setting("explanation", to: ["why": "because"]),
            [("explanation", "the explanation must be a string, not an object")]
        ),
        RuleCase(
            "source too long", base.setting("source", to: .string(repeated("s", 257))),
            [("source", "the source is longer than 256 characters")]
        ),
        RuleCase(
            "question not an object", "What is 2 + 2?", [(nil, "a question must be a JSON object, not a string")],
            questionId: nil
        ),
    ]

    @Test(arguments: ruleCases)
    func eachRule(_ rule: RuleCase) throws {
        let error = try #require(importError(JSONText.array([rule.question]).text))
        #expect(error.code == .invalidRows)
        #expect(error.message == "1 row of the upload is invalid; nothing was imported")
        #expect(error.rows == rule.errors.map { rowError(1, rule.questionId, $0.field, $0.message) })
    }

    @Test func severalErrorsInSeveralRowsAreAllReported() throws {
        let body = JSONText.array([
            .question("q-1"),
            JSONText.question("q-2").setting("text", to: "").setting("correctAnswers", to: ["z"]),
            .question("q-3"),
            JSONText.question("q 4").setting("answers", to: 5).setting("source", to: .string(repeated("s", 300))),
        ]).text
        let error = try #require(importError(body))
        #expect(error.code == .invalidRows)
        #expect(error.message == "2 rows of the upload are invalid; nothing was imported")
        #expect(
            error.rows == [
                rowError(2, "q-2", "text", "the question text is required"),
                rowError(2, "q-2", "correctAnswers", #"the correct answer "z" is not one of the answer ids"#),
                rowError(4, "q 4", "id", charsetMessage("the question id")),
                rowError(4, "q 4", "answers", #"the answers must be an array of {"id", "text"} objects, not a number"#),
                rowError(4, "q 4", "source", "the source is longer than 256 characters"),
            ]
        )
    }

    @Test func duplicateIdsNameTheRowOfTheFirstUse() throws {
        let ids = ["q-1", "q-2", "q-1", "q-2", "q-1"]
        let error = try #require(importError(JSONText.array(ids.map { JSONText.question($0) }).text))
        #expect(
            error.rows == [
                rowError(3, "q-1", "id", "the question id is already used in row 1"),
                rowError(4, "q-2", "id", "the question id is already used in row 2"),
                rowError(5, "q-1", "id", "the question id is already used in row 1"),
            ]
        )
    }

    // MARK: - Bounded errors

    @Test func listedErrorsAreCappedButCounted() throws {
        let importer = QuestionImporter(configuration: .init(maxListedErrors: 3))
        let body = JSONText.array([
            JSONText.question("q-1").setting("correctAnswers", to: [1, 2]),
            .question("q-2"),
            JSONText.question("q-3").setting("text", to: nil).setting("source", to: 5),
        ]).text
        let error = try #require(importError(body, importer: importer))
        #expect(
            error.message
                == "2 rows of the upload are invalid; nothing was imported (the first 3 of 4 problems are listed)"
        )
        let notAString = "a correct answer must be an answer id string, not a number"
        #expect(
            error.rows == [
                rowError(1, "q-1", "correctAnswers[0]", notAString),
                rowError(1, "q-1", "correctAnswers[1]", notAString),
                rowError(3, "q-3", "text", "the question text is required"),
            ]
        )
        #expect(error.unlistedRowErrorCount == 1)
    }

    @Test func manyMistakesGiveABoundedError() throws {
        let rows = (1...5_000).map { "q-\($0),,,yes,no\n" }.joined()
        let error = try #require(importError("id,text,correct,answer:a,answer:b\n" + rows))
        #expect(error.rows.count == 1_000)
        #expect(error.rows.last == rowError(501, "q-500", "correct", "at least one correct answer is required"))
        #expect(error.unlistedRowErrorCount == 9_000)
        #expect(
            error.message
                == "5000 rows of the upload are invalid; nothing was imported "
                + "(the first 1000 of 10000 problems are listed)"
        )
    }

    @Test func hugeArraysAreRefusedByTheirLength() throws {
        let question = JSONText.question().setting("correctAnswers", to: .array(Array(repeating: 1, count: 100_000)))
        let error = try #require(importError(JSONText.array([question]).text))
        #expect(
            error.rows == [
                rowError(1, "q-1", "correctAnswers", "a question can have at most 12 correct answers; found 100000")
            ]
        )
    }

    @Test func errorsCompareByCodeAndDescribeThemselves() {
        let rows = [rowError(2, "q-1", "answers[1].id", "the answer id is required")]
        #expect(ImportError.invalidRows(rows) == ImportError.invalidRows([]))
        #expect(ImportError.invalidRows(rows) != ImportError.emptyUpload)
        #expect(rows[0].description == "row 2 (q-1) answers[1].id: the answer id is required")
        #expect(
            ImportError.invalidRows(rows).description
                == "invalidRows: 1 row of the upload is invalid; nothing was imported (1 row error)"
        )
    }
}
