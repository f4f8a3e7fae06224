import FoundationEssentials
import QuestionImport
import QuizEngine
import Testing

/// A bank written in each format comes back exactly as it was.
@Suite struct RoundTripTests {
    @Test func jsonArrayRoundTrip() throws {
        let result = try importQuestions(try SampleBank.jsonArray(), contentType: "application/json")
        #expect(result == ImportResult(format: .jsonArray, questions: SampleBank.questions))
        #expect(result.questions.map(\.multiSelect) == [false, true, false])
    }

    @Test func jsonLinesRoundTrip() throws {
        let body = try SampleBank.jsonLines(separator: "\r\n\n  \n")
        let result = try importQuestions(body, contentType: "application/x-ndjson")
        #expect(result == ImportResult(format: .jsonLines, questions: SampleBank.questions))
    }

    @Test func csvRoundTrip() throws {
        let result = try importQuestions(SampleBank.csv(), contentType: "text/csv")
        #expect(result == ImportResult(format: .csv, questions: SampleBank.questions))
    }

    @Test func bodyAsBytesAndData() throws {
        let csv = SampleBank.csv()
        let importer = QuestionImporter()
        #expect(try importer.importQuestions(from: Array(csv.utf8), contentType: nil).questions == SampleBank.questions)
        #expect(try importer.importQuestions(from: Data(csv.utf8), contentType: nil).questions == SampleBank.questions)
    }

    @Test func handWrittenCSVWithQuotedCommasQuotesAndLineBreaks() throws {
        let body = """
            ID, Text ,answer:a,answer:b,answer:c,Correct,explanation
            q-1,"Pick the cities, all of them",Paris,"Lyon, ""the"" second",,a | b,"Both are
            in France."
            q-2,Plain,yes,no,,a,
            """
        let result = try importQuestions(body, contentType: "text/csv; charset=utf-8")
        #expect(
            result.questions == [
                Question(
                    id: "q-1", text: "Pick the cities, all of them",
                    answers: [
                        AnswerChoice(id: "a", text: "Paris"), AnswerChoice(id: "b", text: #"Lyon, "the" second"#),
                    ],
                    correctAnswers: ["a", "b"], explanation: "Both are\nin France."
                ),
                Question(
                    id: "q-2", text: "Plain",
                    answers: [AnswerChoice(id: "a", text: "yes"), AnswerChoice(id: "b", text: "no")],
                    correctAnswers: ["a"]
                ),
            ]
        )
        #expect(result.questions[0].multiSelect)
    }

    @Test func csvLineEndingsByteOrderMarkAndBlankRows() throws {
        let lines = ["id,text,answer:a,answer:b,correct", "q-1,\"One\r\ntwo\",x,y,a", ",,,,", "", "q-2,Three,x,y,b"]
        for lineEnd in ["\n", "\r\n", "\r"] {
            let result = try importQuestions("\u{FEFF}" + lines.joined(separator: lineEnd) + lineEnd)
            #expect(result.format == .csv)
            #expect(result.questions.map(\.id) == ["q-1", "q-2"])
            #expect(result.questions.first?.text == "One\ntwo")
        }
    }

    @Test func csvChoicesFollowHeaderOrderAndSkipEmptyCells() throws {
        let body = "answer:b,id,answer:a,text,answer:c,correct\nB,q-1,A,Pick,  ,b|a\n"
        let question = try #require(try importQuestions(body).questions.first)
        #expect(question.answers == [AnswerChoice(id: "b", text: "B"), AnswerChoice(id: "a", text: "A")])
        #expect(question.correctAnswers == ["b", "a"])
    }

    @Test func jsonIgnoresMultiSelectAndUnknownMembersAndTrimsValues() throws {
        let body = JSONText.array([
            JSONText.question()
                .setting("multiSelect", to: true)
                .setting("difficulty", to: ["level": 3, "tags": [1, nil, true]])
                .setting("id", to: "  q-1\n")
                .setting("category", to: "")
                .setting("answers", to: [["id": " a ", "text": " 3 "], ["id": "b", "text": "4", "hint": "no"]])
                .setting("correctAnswers", to: ["b "])
                .setting("source", to: nil)
                .setting("explanation", to: nil)
        ]).text
        let result = try importQuestions(body)
        #expect(
            result.questions == [
                Question(
                    id: "q-1", text: "What is 2 + 2?",
                    answers: [AnswerChoice(id: "a", text: "3"), AnswerChoice(id: "b", text: "4")], correctAnswers: ["b"]
                )
            ]
        )
        #expect(result.questions.first?.multiSelect == false)
    }

    @Test func limitsAreInclusive() throws {
        let longest = JSONText.question(repeated("q", QuestionLimits.maxIdLength))
            .setting("category", to: .string(repeated("c", QuestionLimits.maxCategoryLength)))
            // Grapheme clusters, not bytes or scalars: each flag is 8 bytes and 2 scalars.
            .setting("text", to: .string(repeated("🇫🇷", QuestionLimits.maxTextLength)))
            .setting("explanation", to: .string(repeated("é", QuestionLimits.maxExplanationLength)))
            .setting("source", to: .string(repeated("s", QuestionLimits.maxSourceLength)))
            .setting(
                "answers",
                to: .array(
                    (0..<QuestionLimits.maxAnswers).map { index in
                        let digit = Character(String(index % 10))
                        let id = repeated(digit, QuestionLimits.maxAnswerIdLength - 1) + String(index / 10)
                        return ["id": .string(id), "text": .string(repeated("t", QuestionLimits.maxAnswerTextLength))]
                    }
                )
            )
            .setting("correctAnswers", to: [.string(repeated("0", QuestionLimits.maxAnswerIdLength - 1) + "0")])
        let question = try #require(try importQuestions(JSONText.array([longest]).text).questions.first)
        #expect(question.answers.count == 12)
        #expect(question.text.count == 2_000)
    }
}
