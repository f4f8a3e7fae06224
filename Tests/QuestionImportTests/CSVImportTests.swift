@testable import QuestionImport
import StrictJSON
import Testing

private let textAfterClosingQuote =
    #"a closing quote must be followed by a comma or a line break; write a quote inside quotes as """#
private let quoteInUnquotedField =
    #"a field that contains a quote must be enclosed in quotes, with the quote doubled ("")"#

/// CSV headers, broken quoting, and row errors named by column and line.
@Suite struct CSVImportTests {
    @Test func unknownColumnsAreNamed() throws {
        let body = "id,text,correct,answer:a,anwser:b,answer:c,difficulty\nq-1,Q,a,x,y,z,3\n"
        let error = try #require(importError(body))
        #expect(error.code == .malformedDocument)
        #expect(error.message == "the CSV header is invalid")
        let hint =
            "unknown column; the columns are id, category, text, correct, explanation, source and answer:<choiceId>"
        #expect(
            error.rows == [
                rowError(1, nil, "anwser:b", hint),
                rowError(1, nil, "difficulty", hint),
            ]
        )
    }

    @Test(arguments: [
        ("text,correct,answer:a,answer:b", [rowError(1, nil, "id", "the required column is missing")]),
        (
            "id,answer:a,answer:b", [
                rowError(1, nil, "text", "the required column is missing"),
                rowError(1, nil, "correct", "the required column is missing"),
            ]
        ),
        (
            "id,text,correct,answer:a",
            [rowError(1, nil, "answer:", "at least 2 answer columns (answer:a, answer:b, …) are required; found 1")]
        ),
    ])
    func missingRequiredColumns(header: String, rows: [RowError]) throws {
        let error = try #require(importError(header + "\nq-1,x,y,z\n"))
        #expect(error.code == .malformedDocument)
        #expect(error.rows == rows)
    }

    @Test func repeatedUnnamedAndBadAnswerColumns() throws {
        let header = "\n\nid,text,Text,correct,answer:a,ANSWER:a,answer:,,answer:\(repeated("x", 33))"
        let error = try #require(importError(header + "\nq-1,a,b,c,d,e,f,g,h\n"))
        #expect(
            error.rows == [
                rowError(3, nil, "text", "the column appears more than once"),
                rowError(3, nil, "answer:a", "the column appears more than once"),
                rowError(3, nil, "answer:", "an answer column needs a choice id after the colon, as in answer:a"),
                rowError(3, nil, nil, "column 8 of the header has no name"),
                rowError(3, nil, "answer:\(repeated("x", 33))", "the choice id is longer than 32 bytes of UTF-8"),
            ]
        )
    }

    @Test(arguments: [
        ("q-1,\"unclosed,a,x,y\n", 2, 5, "the quoted field that starts here is never closed"),
        ("q-1,\"ab\"c,a,x,y\n", 2, 9, textAfterClosingQuote),
        ("q-1,ab\"c,a,x,y\n", 2, 7, quoteInUnquotedField),
        ("q-1, \"Q\",a,x,y\n", 2, 6, quoteInUnquotedField),
        ("q-1,\"line\none\",a,x,y\nq-2,Q,a,\"x\" ,y\n", 4, 12, textAfterClosingQuote),
        ("q-é,\"«Q»\"!,a,x,y\n", 2, 10, textAfterClosingQuote),
    ])
    func malformedQuotingIsPlaced(rows: String, line: Int, column: Int, reason: String) throws {
        let error = try #require(importError("id,text,correct,answer:a,answer:b\n" + rows))
        #expect(error.code == .malformedDocument)
        #expect(error.message == "the CSV is malformed at line \(line), column \(column): \(reason)")
        #expect(error.rows == [rowError(line, nil, nil, "column \(column): \(reason)")])
    }

    @Test func rowErrorsUseLineNumbersAndColumnNames() throws {
        let body = """
            id,text,correct,answer:a,answer:b,answer:c,category
            q-1,"A question
            over three
            lines",b,x,y,,algebra
            q-2,Q,z|a|a,x,\(repeated("y", 501)),,
            q-3,Q,a,only one,,,linear algebra

            q-1,Q,a,x,y
            """
        let error = try #require(importError(body))
        #expect(error.code == .invalidRows)
        #expect(
            error.rows == [
                rowError(5, "q-2", "answer:b", "the answer text is longer than 500 characters"),
                rowError(5, "q-2", "correct", #"the correct answer "z" is not one of the answer ids"#),
                rowError(5, "q-2", "correct", #"the correct answer "a" is listed more than once"#),
                rowError(6, "q-3", "category", charsetMessage("the category")),
                rowError(6, "q-3", "answers", "a question needs at least 2 answers; found 1"),
                rowError(8, "q-1", nil, "the row has 5 fields but the header has 7"),
            ]
        )
    }

    @Test func longListsAreRefusedByTheirLength() throws {
        let answerColumns = (1...13).map { "answer:\($0)" }.joined(separator: ",")
        let body = "id,text,correct,\(answerColumns)\nq-1,Q,\(Array(repeating: "1", count: 20).joined(separator: "|")),"
            + (1...13).map(String.init).joined(separator: ",") + "\nq-2,Q,1|1|2|3,a,b,,,,,,,,,,,\n"
        let error = try #require(importError(body))
        #expect(
            error.rows == [
                rowError(2, "q-1", "answers", "a question can have at most 12 answers; found 13"),
                rowError(2, "q-1", "correct", "a question can have at most 12 correct answers; found 20"),
                rowError(3, "q-2", "correct", #"the correct answer "1" is listed more than once"#),
                rowError(3, "q-2", "correct", #"the correct answer "3" is not one of the answer ids"#),
            ]
        )
    }

    @Test func headerProblemsAreCappedLikeRowErrors() throws {
        let header = "id,text,correct,answer:a,answer:b," + (1...5_000).map { "extra\($0)" }.joined(separator: ",")
        let importer = QuestionImporter(configuration: .init(maxListedErrors: 2))
        let error = try #require(importError(header + "\n", importer: importer))
        #expect(error.code == .malformedDocument)
        #expect(error.rows.map(\.field) == ["extra1", "extra2"])
        #expect(error.unlistedRowErrorCount == 4_998)
    }

    @Test func emptyCorrectCellAndEmptyRequiredCells() throws {
        let error = try #require(importError("id,text,correct,answer:a,answer:b\n,,,,\"\"\n q-2 , ,|,x,y\n"))
        #expect(
            error.rows == [
                rowError(3, "q-2", "text", "the question text is required"),
                rowError(3, "q-2", "correct", "at least one correct answer is required"),
            ]
        )
    }
}

// MARK: - Reader

/// The RFC 4180 reader on its own: fields, record lines, and where it refuses.
@Suite struct CSVReaderTests {
    private func records(_ text: String) throws(CSVSyntaxError) -> [CSVRecord] {
        var reader = CSVReader(Array(text.utf8)[...])
        var records: [CSVRecord] = []
        while let record = try reader.nextRecord() {
            records.append(record)
        }
        return records
    }

    @Test func fieldsAndTheLinesRecordsStartOn() throws {
        let text =
            "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\n\n\"\",,\"\"\"\"\r\"three\n\nlines\",é,🇫🇷\n"
        #expect(
            try records(text) == [
                CSVRecord(line: 1, fields: ["a", "b", "c"]),
                CSVRecord(line: 2, fields: ["x, y", #"say "hi""#, "two\nlines"]),
                CSVRecord(line: 4, fields: [""]),
                CSVRecord(line: 5, fields: ["", "", "\""]),
                CSVRecord(line: 6, fields: ["three\n\nlines", "é", "🇫🇷"]),
            ]
        )
    }

    @Test(arguments: [
        ("a,b", [["a", "b"]]),
        ("a,b\n", [["a", "b"]]),
        ("a,b,\n", [["a", "b", ""]]),
        ("a,b,", [["a", "b", ""]]),
        (",", [["", ""]]),
        ("\n", [[""]]),
        ("\"a\"", [["a"]]),
        (" a , b ", [[" a ", " b "]]),
        ("a\r\rb", [["a"], [""], ["b"]]),
        ("\"a\r\rb\"", [["a\n\nb"]]),
    ])
    func recordBoundaries(text: String, fields: [[String]]) throws {
        #expect(try records(text).map(\.fields) == fields)
    }

    @Test func emptyTextHasNoRecords() throws {
        #expect(try records("").isEmpty)
    }

    @Test(arguments: [
        ("\"abc", 1, 1, "the quoted field that starts here is never closed"),
        ("a,b\nc,\"d\ne\nf", 2, 3, "the quoted field that starts here is never closed"),
        ("a\"b", 1, 2, quoteInUnquotedField),
        ("\"a\"b", 1, 4, textAfterClosingQuote),
        ("x\r\n\"a\" ,b", 2, 4, textAfterClosingQuote),
        ("\"é\nü\"ö", 2, 3, textAfterClosingQuote),
    ])
    func syntaxErrorsArePlaced(text: String, line: Int, column: Int, reason: String) {
        #expect(throws: CSVSyntaxError(position: TextPosition(line: line, column: column), reason: reason)) {
            try records(text)
        }
    }

    @Test func recordsBeforeAnErrorAreReadFirst() throws {
        var reader = CSVReader(Array("a,b\nc,d\ne,\"f".utf8)[...])
        #expect(try reader.nextRecord() == CSVRecord(line: 1, fields: ["a", "b"]))
        #expect(try reader.nextRecord() == CSVRecord(line: 2, fields: ["c", "d"]))
        #expect(throws: CSVSyntaxError.self) { try reader.nextRecord() }
    }

    @Test func invalidUTF8IsFoundWithItsPosition() {
        #expect(TextPosition.firstInvalidUTF8(in: Array("plain ascii".utf8)[...]) == nil)
        #expect(TextPosition.firstInvalidUTF8(in: Array("é 🇫🇷 日本".utf8)[...]) == nil)

        let bytes: [UInt8] = Array("ok\né".utf8) + [0xC3] + Array("x".utf8)
        let offset = TextPosition.firstInvalidUTF8(in: bytes[...])
        #expect(offset == 5)
        #expect(offset.map { TextPosition.of(offset: $0, in: bytes[...]) } == TextPosition(line: 2, column: 2))
        #expect(TextPosition.firstInvalidUTF8(in: [0x61, 0xED, 0xA0, 0x80][...]) == 1)
    }
}
