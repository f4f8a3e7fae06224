import QuestionImport
import QuizEngine
import Testing

/// The import applies `Identifier`, the rule the routes apply: lengths in UTF-8 bytes for question
/// ids, categories and choice ids alike (docs/http-contract.md#identifiers).
@Suite struct IdentifierRuleTests {
    static func question(choiceIds: [String]) -> JSONText {
        JSONText.question().setting("answers", to: .array(choiceIds.map { ["id": .string($0), "text": "t"] }))
            .setting("correctAnswers", to: [.string(choiceIds[1])])
    }

    @Test func choiceIdsUpToTheirByteLimitImportAndOneMoreByteDoesNot() throws {
        let longest = repeated("c", Identifier.Kind.choice.maximumBytes)
        let imported = try importQuestions("[\(Self.question(choiceIds: [longest, "b"]).text)]")
        #expect(imported.questions.first?.answers.map(\.id) == [longest, "b"])

        let error = try #require(importError("[\(Self.question(choiceIds: [longest + "c", "b"]).text)]"))
        #expect(error.rows == [rowError(1, "q-1", "answers[0].id", "the answer id is longer than 32 bytes of UTF-8")])
    }

    @Test func aChoiceIdIsMeasuredInBytesNotCharacters() throws {
        // 16 é are 32 bytes: they import. 18 é are 18 characters but 36 bytes: refused here,
        // where before they imported and then every answer naming them got 422.
        let sixteen = repeated("é", 16)
        #expect(sixteen.utf8.count == 32)
        let imported = try importQuestions("[\(Self.question(choiceIds: [sixteen, "b"]).text)]")
        #expect(imported.questions.first?.answers.map(\.id) == [sixteen, "b"])

        let eighteen = repeated("é", 18)
        #expect(eighteen.count == 18 && eighteen.utf8.count == 36)
        let error = try #require(importError("[\(Self.question(choiceIds: [eighteen, "b"]).text)]"))
        #expect(error.rows == [rowError(1, "q-1", "answers[0].id", "the answer id is longer than 32 bytes of UTF-8")])
    }

    @Test func aCSVAnswerColumnNamesAChoiceIdByTheSameRule() throws {
        let eighteen = repeated("é", 18)
        let body = "id,text,correct,answer:a,answer:b,answer:\(eighteen)\nq-1,Which?,a,x,y,z\n"
        let error = try #require(importError(body, contentType: "text/csv"))
        #expect(error.rows == [rowError(1, nil, "answer:\(eighteen)", "the choice id is longer than 32 bytes of UTF-8")])
    }

    @Test func questionIdsAndCategoriesAreNamesMeasuredInBytes() throws {
        let id = repeated("q", Identifier.Kind.question.maximumBytes)
        #expect(try importQuestions("[\(JSONText.question(id).text)]").questions.map(\.id) == [id])
        let error = try #require(importError("[\(JSONText.question("q-é").text)]"))
        #expect(error.rows == [rowError(1, "q-é", "id", charsetMessage("the question id"))])
    }
}
