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

// MARK: - Parser

/// The RFC 8259 parser on its own: values, escapes, and where it refuses.
@Suite struct JSONParserTests {
    private func parse(_ text: String) throws(JSONParser.Failure) -> JSONValue {
        try JSONParser.parse(Array(text.utf8)[...])
    }

    private func failure(_ text: String) -> (position: TextPosition, reason: String)? {
        let bytes = Array(text.utf8)[...]
        do {
            _ = try JSONParser.parse(bytes)
            return nil
        } catch {
            return (TextPosition.of(offset: error.offset, in: bytes), error.reason)
        }
    }

    @Test func valuesAndNesting() throws {
        let text =
            #" {"a": [1, -0.5, 2e10, 3E-2, 0, -12.75e+3], "b": {"c": null, "d": true, "e": false}, "": "", "a2": []} "#
        #expect(
            try parse(text)
                == .object([
                    "a": .array(Array(repeating: .number, count: 6)),
                    "b": .object(["c": .null, "d": .bool(true), "e": .bool(false)]),
                    "": .string(""), "a2": .array([]),
                ])
        )
        #expect(try parse("\r\n[\t1\r\n,\n2 ]\n") == .array([.number, .number]))
        #expect(try parse("\"just a string\"") == .string("just a string"))
        #expect(try parse(#"{"k": 1, "k": "last wins"}"#) == .object(["k": .string("last wins")]))
    }

    @Test func stringsAndEscapes() throws {
        #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(try parse(#""caf\u00e9 \u00E9 \uD83D\uDE00 \u0000""#) == .string("café é 😀 \u{0}"))
        #expect(try parse(#""raw é 🇫🇷 日本, then \u65e5""#) == .string("raw é 🇫🇷 日本, then 日"))
    }

    @Test(arguments: [
        ("", 1, 1, "the JSON text ends where a value is expected"),
        ("[1, 2", 1, 6, "expected ',' or ']'"),
        ("[1, 2,]", 1, 7, "expected a JSON value"),
        ("{\"a\" 1}", 1, 6, "expected ':' after the member name"),
        ("{a: 1}", 1, 2, "expected a member name in double quotes"),
        ("{\"a\": 1,}", 1, 9, "expected a member name in double quotes"),
        ("[01]", 1, 3, "expected ',' or ']'"),
        ("[1.]", 1, 4, "expected a digit"),
        ("[-]", 1, 3, "expected a digit"),
        ("[1e]", 1, 4, "expected a digit"),
        ("[+1]", 1, 2, "expected a JSON value"),
        ("[tru]", 1, 5, "expected true"),
        ("[nul", 1, 5, "expected null"),
        (#"["a\x"]"#, 1, 5, #"invalid escape; use \", \\, \/, \b, \f, \n, \r, \t or \uXXXX"#),
        (#"["\u12G4"]"#, 1, 7, #"expected 4 hex digits after \u"#),
        (#"["\ud83d"]"#, 1, 3, #"an escaped surrogate must be one of a pair, as in \ud83d\ude00"#),
        (#"["x\ud83d\u0041"]"#, 1, 4, #"an escaped surrogate must be one of a pair, as in \ud83d\ude00"#),
        (#"["\ude00"]"#, 1, 3, #"an escaped surrogate must be one of a pair, as in \ud83d\ude00"#),
        ("[\"tab\there\"]", 1, 6, "a control character such as a line break must be escaped inside a string"),
        ("[\"a\\n\nb\"]", 1, 6, "a control character such as a line break must be escaped inside a string"),
        ("[\n\"é", 2, 1, "the string that starts here is never closed"),
        ("[\"a\\", 1, 2, "the string that starts here is never closed"),
        ("{\"é\": \"ü\" ,\r\n \"x\" 2}", 2, 6, "expected ':' after the member name"),
        ("[1]\n]", 2, 1, "unexpected text after the end of the JSON value"),
    ])
    func syntaxErrorsArePlaced(text: String, line: Int, column: Int, reason: String) throws {
        let found = try #require(failure(text))
        #expect(found.position == TextPosition(line: line, column: column))
        #expect(found.reason == reason)
    }

    @Test func nestingIsLimited() throws {
        let limit = JSONParser.maximumDepth
        #expect(failure(String(repeating: "[", count: limit) + String(repeating: "]", count: limit)) == nil)

        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        let found = try #require(failure(tooDeep))
        #expect(found.position == TextPosition(line: 1, column: limit + 1))
        #expect(found.reason == "the JSON text is nested too deeply")
    }

    @Test func deeplyNestedUploadIsMalformedNotACrash() throws {
        let error = try #require(importError(String(repeating: "[", count: 100_000)))
        #expect(error.code == .malformedDocument)
        #expect(error.message == "the upload is not valid JSON: line 1, column 513: the JSON text is nested too deeply")
    }
}
