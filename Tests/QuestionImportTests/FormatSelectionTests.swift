import QuestionImport
import QuizEngine
import Testing

/// Choosing the format, and the refusals that concern the upload as a whole.
@Suite struct FormatSelectionTests {
    @Test(arguments: [
        ("application/json", ImportFormat.jsonArray),
        ("Application/JSON; charset=UTF-8", .jsonArray),
        ("application/x-ndjson", .jsonLines),
        ("application/jsonl; charset=utf-8", .jsonLines),
        ("application/x-jsonlines", .jsonLines),
        ("text/csv", .csv),
        ("text/csv;charset=utf-8;header=present", .csv),
        (" TEXT/CSV ", .csv),
    ])
    func contentTypeDeclaresFormat(contentType: String, format: ImportFormat) throws {
        #expect(try ImportFormat.declared(byContentType: contentType) == format)
    }

    @Test(arguments: [
        nil, "", " ; charset=utf-8", "text/plain", "text/plain; charset=us-ascii", "application/octet-stream",
        "application/vnd.ms-excel",
    ])
    func missingOrGenericContentTypeLeavesItToTheBody(contentType: String?) throws {
        #expect(try ImportFormat.declared(byContentType: contentType) == nil)
    }

    @Test(arguments: [
        ("[{}]", ImportFormat.jsonArray),
        ("\u{FEFF} \r\n\t[", .jsonArray),
        ("{\"id\": \"q-1\"}\n{}", .jsonLines),
        ("\n\n{", .jsonLines),
        ("id,text", .csv),
        ("\u{FEFF}id,text", .csv),
        ("\"id\",\"text\"", .csv),
    ])
    func sniffing(body: String, format: ImportFormat) {
        #expect(ImportFormat.sniffed(from: body.utf8) == format)
    }

    @Test(arguments: ["", " \n\t\r\n", "\u{FEFF}"])
    func sniffingFindsNothingInABlankBody(body: String) {
        #expect(ImportFormat.sniffed(from: body.utf8) == nil)
    }

    @Test(arguments: [nil, "text/plain; charset=utf-8", "application/octet-stream"])
    func sniffedFormatIsUsed(contentType: String?) throws {
        #expect(try importQuestions(try SampleBank.jsonArray(), contentType: contentType).format == .jsonArray)
        #expect(try importQuestions(try SampleBank.jsonLines(), contentType: contentType).format == .jsonLines)
        #expect(try importQuestions(SampleBank.csv(), contentType: contentType).format == .csv)
    }

    @Test func declaredFormatWinsOverTheBody() throws {
        let error = try #require(importError(SampleBank.csv(), contentType: "application/json"))
        #expect(error.code == .malformedDocument)
        #expect(error.message == "the upload is not valid JSON: line 1, column 1: expected a JSON value")
    }

    @Test(arguments: ["application/xml", "multipart/form-data; boundary=xyz", "Text/HTML; charset=utf-8"])
    func unsupportedContentType(contentType: String) throws {
        let error = try #require(importError(SampleBank.csv(), contentType: contentType))
        #expect(error.code == .unsupportedFormat)
        let mediaType = contentType.split(separator: ";")[0].lowercased()
        let accepted = "application/json, application/x-ndjson, text/csv"
        #expect(error.message == "the content type \"\(mediaType)\" is not supported; send \(accepted)")
        #expect(error.rows.isEmpty)
    }

    @Test(arguments: [
        ("", nil),
        (" \n\t", "text/csv"),
        ("\u{FEFF}", nil),
        ("[]", nil),
        ("[ \n ]", "application/json"),
        ("\n\r\n", "application/x-ndjson"),
        ("id,text,correct,answer:a,answer:b\r\n", nil),
        ("id,text,correct,answer:a,answer:b\n,,,,\n\n", "text/csv"),
    ] as [(String, String?)])
    func emptyUpload(body: String, contentType: String?) throws {
        let error = try #require(importError(body, contentType: contentType))
        #expect(error.code == .emptyUpload)
        #expect(error.message == "the upload contains no questions")
    }

    @Test func bodyThatIsNotUTF8() throws {
        var body = Array("id,text,correct,answer:a,answer:b\nq-1,caf".utf8)
        body.append(0xE9)  // "é" in Windows-1252
        body += Array(",a,x,y\n".utf8)
        let error = #expect(throws: ImportError.self) {
            try QuestionImporter().importQuestions(from: body, contentType: "text/csv")
        }
        #expect(error?.code == .malformedDocument)
        #expect(error?.message == "the upload must be UTF-8 text, and line 2, column 8 is not")
    }

    // MARK: - Too many questions

    @Test(arguments: ImportFormat.allCases)
    func tooManyQuestionsInEachFormat(format: ImportFormat) throws {
        let questions = (1...3).map {
            Question(id: "q-\($0)", text: "Q", answers: SampleBank.questions[0].answers, correctAnswers: ["a"])
        }
        let body =
            switch format {
            case .jsonArray: try SampleBank.jsonArray(questions)
            case .jsonLines: try SampleBank.jsonLines(questions)
            case .csv: SampleBank.csv(questions)
            }
        let atLimit = QuestionImporter(configuration: .init(maxQuestions: 3))
        #expect(try atLimit.importQuestions(from: body, contentType: nil).questions == questions)

        let belowLimit = QuestionImporter(configuration: .init(maxQuestions: 2))
        let error = try #require(importError(body, importer: belowLimit))
        #expect(error.code == .tooManyQuestions)
        #expect(error.message == "an upload may hold at most 2 questions; split it into smaller uploads")
    }

    @Test func defaultLimitIsFiveThousandQuestions() throws {
        let header = "id,text,correct,answer:a,answer:b\n"
        let rows = (1...5_000).map { "q-\($0),Question \($0),a,yes,no\n" }.joined()
        #expect(try importQuestions(header + rows).questions.count == 5_000)

        let error = try #require(importError(header + rows + "q-5001,One too many,a,yes,no\n"))
        #expect(error.code == .tooManyQuestions)
        #expect(error.message == "an upload may hold at most 5000 questions; split it into smaller uploads")
    }
}
