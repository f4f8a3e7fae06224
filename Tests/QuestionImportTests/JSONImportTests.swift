@testable import QuestionImport
import QuizEngine
import Testing

/// JSON arrays and JSON Lines that do not parse, or parse into the wrong shapes.
@Suite struct JSONImportTests {
    @Test(arguments: [
        (
            "[\n  {\"id\": \"q-1\"},\n  {\"id\": \"q-2\" \"text\": \"x\"}\n]",
            "the upload is not valid JSON: line 3, column 16: expected ',' or '}'"
        ),
        ("[{\"id\": \"q-1\"},]", "the upload is not valid JSON: line 1, column 16: expected a JSON value"),
        (
            "[{\"text\": \"Qu'est-ce que c'est ?\n\"}]",
            "the upload is not valid JSON: line 1, column 33: a control character such as a line break must be escaped "
                + "inside a string"
        ),
        ("[{\"id\": \"q-1\"}", "the upload is not valid JSON: line 1, column 15: expected ',' or ']'"),
        (
            "[\n\n  {\"text\": \"never closed}]",
            "the upload is not valid JSON: line 3, column 12: the string that starts here is never closed"
        ),
        ("[{\"id\": 'q-1'}]", "the upload is not valid JSON: line 1, column 9: expected a JSON value"),
        ("[{\"n\": True}]", "the upload is not valid JSON: line 1, column 8: expected a JSON value"),
        ("[] []", "the upload is not valid JSON: line 1, column 4: unexpected text after the end of the JSON value"),
    ])
    func malformedArrayIsReportedWithItsPosition(body: String, message: String) throws {
        let error = try #require(importError(body))
        #expect(error.code == .malformedDocument)
        #expect(error.message == message)
        #expect(error.rows.isEmpty)
    }

    @Test func singleObjectDeclaredAsJSONIsRefused() throws {
        let error = try #require(importError(JSONText.question().text, contentType: "application/json"))
        #expect(error.code == .malformedDocument)
        #expect(
            error.message
                == "a JSON upload must be an array of questions, not an object; "
                + "send one question object per line as application/x-ndjson"
        )
    }

    @Test func numbersOfAnySizeAreOnlyEverTheWrongType() throws {
        let unknownField = "[" + JSONText.question().text.dropLast() + #","weight":1e400}]"#
        #expect(try importQuestions(unknownField).questions.map(\.id) == ["q-1"])

        let body = "[" + JSONText.question().text.replacing(#""id":"q-1""#, with: #""id":-1.5e400"#) + "]"
        let error = try #require(importError(body))
        #expect(error.rows == [rowError(1, nil, "id", "the question id must be a string, not a number")])
    }

    // MARK: - JSON Lines

    @Test func oneBadLineAmongGoodOnesIsAnErrorOfThatLineOnly() throws {
        let lines = [
            JSONText.question("q-1").text,
            "",
            #"{"id": "q-2", "text": "#,
            "   ",
            JSONText.question("q-3").text,
            #"{"id": "q-4", "text": "Q" "answers": []}"#,
            JSONText.question("q-5").text,
        ]
        let error = try #require(importError(lines.joined(separator: "\r\n"), contentType: "application/jsonl"))
        #expect(error.code == .invalidRows)
        #expect(
            error.rows == [
                rowError(
                    3, nil, nil, "the line is not valid JSON at column 23: the JSON text ends where a value is expected"
                ),
                rowError(6, nil, nil, "the line is not valid JSON at column 27: expected ',' or '}'"),
            ]
        )
    }

    @Test func jsonLinesRowsAreLineNumbers() throws {
        let lines = [
            "",
            JSONText.question("q-1").text,
            "[1, 2]",
            "",
            JSONText.question("q-1").setting("answers", to: [["id": "a", "text": "x"]])
                .setting("correctAnswers", to: ["a"]).text,
            "  \"q-3\"  ",
        ]
        let error = try #require(importError(lines.joined(separator: "\n")))
        #expect(
            error.rows == [
                rowError(3, nil, nil, "a question must be a JSON object, not an array"),
                rowError(5, "q-1", "id", "the question id is already used in row 2"),
                rowError(5, "q-1", "answers", "a question needs at least 2 answers; found 1"),
                rowError(6, nil, nil, "a question must be a JSON object, not a string"),
            ]
        )
    }

    @Test func jsonLinesWithAnArrayLineDeclaredAsJSONLines() throws {
        let body = try SampleBank.jsonArray()
        let error = try #require(importError(body, contentType: "application/x-ndjson"))
        #expect(error.rows == [rowError(1, nil, nil, "a question must be a JSON object, not an array")])
    }
}
