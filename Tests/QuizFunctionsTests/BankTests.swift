import Foundation
import QuizHTTP
import Testing

/// Question banks through the quiz function: three formats, validation before any write, listing.
@Suite("Question banks")
struct BankTests {
    static let author = (user: "author-1", groups: ["authors"])

    func upload(_ harness: Harness, _ body: String, contentType: String, bank: String = "bank-1") async throws -> Reply {
        try await harness.send(.quiz, Harness.request(
            .post, "/banks/\(bank)/questions", user: Self.author.user, groups: Self.author.groups, body: body,
            headers: ["content-type": contentType]))
    }

    @Test("JSON Lines and CSV import the same questions as JSON")
    func formats() async throws {
        let harness = Harness()
        let lines = Bank.questions.map { question in
            String(decoding: try! JSONSerialization.data(withJSONObject: question.json, options: [.sortedKeys]), as: UTF8.self)
        }
        let jsonl = try await upload(harness, lines.joined(separator: "\n"), contentType: "application/x-ndjson", bank: "jsonl")
        #expect(jsonl.status == 201)
        #expect(jsonl.json["format"] as? String == "jsonl")
        #expect(jsonl.json["created"] as? Int == 4)

        let csv = """
            id,category,text,correct,explanation,source,answer:a,answer:b,answer:c,answer:d
            q1,algebra,2 + 2 = ?,b,Because.,unit-tests,3,4,5,
            q2,algebra,"x + 1 = 3, x = ?",b,Because.,unit-tests,1,2,3,4
            q3,geometry,Angles of a triangle sum to?,b,Because.,unit-tests,90,180,360,
            q4,geometry,Which are polygons?,a|c,Because.,unit-tests,square,circle,triangle,

            """
        let imported = try await upload(harness, csv, contentType: "text/csv; charset=utf-8", bank: "csv")
        #expect(imported.status == 201, "\(imported.body)")
        #expect(imported.json["format"] as? String == "csv")

        for bank in ["jsonl", "csv"] {
            let listed = try await harness.send(.quiz, Harness.request(.get, "/banks/\(bank)/questions", user: Self.author.user, groups: Self.author.groups))
            let questions = try #require(listed.json["questions"] as? [[String: Any]])
            #expect(questions.map { $0["id"] as? String } == ["q1", "q2", "q3", "q4"])
            #expect(questions.map { $0["correctAnswers"] as? [String] ?? [] } == Bank.questions.map(\.correct))
            #expect(questions[1]["text"] as? String == "x + 1 = 3, x = ?")
            #expect(questions[3]["multiSelect"] as? Bool == true)
        }
        let again = try await upload(harness, lines.joined(separator: "\n"), contentType: "application/x-ndjson", bank: "jsonl")
        #expect(again.json["created"] as? Int == 0)
        #expect(again.json["replaced"] as? Int == 4)
    }

    @Test("one bad row rejects the whole upload with every problem listed, and nothing is written")
    func validationBeforeWrite() async throws {
        let harness = Harness()
        var rows = Bank.json
        rows[1]["answers"] = [["id": "a", "text": "only one"]]
        rows[2]["correctAnswers"] = ["z"]
        rows[3]["id"] = "q1"
        let body = String(decoding: try JSONSerialization.data(withJSONObject: rows), as: UTF8.self)
        let reply = try await upload(harness, body, contentType: "application/json")
        #expect(reply.status == 422)
        let details = try #require((reply.json["error"] as? [String: Any])?["details"] as? [[String: Any]])
        // Row 2 has two problems: one choice only, and its correct answer "b" is no longer a choice.
        #expect(details.compactMap { $0["row"] as? Int } == [2, 2, 3, 4])
        let listed = try await harness.send(.quiz, Harness.request(.get, "/banks/bank-1/questions"))
        #expect(listed.status == 404, "the bank was not created")
    }

    @Test("uploads that are not question banks are refused", arguments: [
        ("", "application/json", 400), ("[{\"id\": ", "application/json", 400), ("<xml/>", "application/xml", 415),
        ("id,text\nq1,only two columns\n", "text/csv", 400),
    ])
    func refusedUploads(body: String, contentType: String, status: Int) async throws {
        let harness = Harness()
        let reply = try await upload(harness, body, contentType: contentType)
        #expect(reply.status == status, "\(reply.body)")
        #expect(reply.errorCode != nil)
    }

    @Test("a category pages through exactly its questions; cursors of other banks are refused")
    func paging() async throws {
        let harness = Harness()
        let many: [[String: Any]] = (0..<25).map { index in
            BankQuestion(
                id: String(format: "p%02d", index), category: index % 5 == 0 ? "rare" : "common", text: "Question \(index)?",
                answers: [("a", "yes"), ("b", "no")], correct: ["a"]
            ).json
        }
        let body = String(decoding: try JSONSerialization.data(withJSONObject: many), as: UTF8.self)
        #expect(try await upload(harness, body, contentType: "application/json").status == 201)

        var ids: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            var query: [String: [String]] = ["category": ["common"], "limit": ["6"]]
            if let cursor { query["cursor"] = [cursor] }
            let page = try await harness.send(.quiz, Harness.request(.get, "/banks/bank-1/questions", query: query))
            #expect(page.status == 200)
            let questions = try #require(page.json["questions"] as? [[String: Any]])
            #expect(questions.count <= 6)
            ids += questions.compactMap { $0["id"] as? String }
            cursor = page.json["nextCursor"] as? String
            pages += 1
        } while cursor != nil && pages < 10
        #expect(ids == (0..<25).filter { $0 % 5 != 0 }.map { String(format: "p%02d", $0) })

        let first = try await harness.send(.quiz, Harness.request(.get, "/banks/bank-1/questions", query: ["limit": ["2"]]))
        let foreign = try #require(first.json["nextCursor"] as? String)
        #expect(try await upload(harness, body, contentType: "application/json", bank: "bank-2").status == 201)
        let misuse = try await harness.send(.quiz, Harness.request(.get, "/banks/bank-2/questions", query: ["cursor": [foreign]]))
        #expect(misuse.status == 400)
        let garbage = try await harness.send(.quiz, Harness.request(.get, "/banks/bank-1/questions", query: ["limit": ["0"]]))
        #expect(garbage.status == 400)
    }
}
