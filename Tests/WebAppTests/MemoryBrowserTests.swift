import Foundation
import QuizTestSupport
import Testing

/// The settings screen and the list of questions in a real browser, in the suite of
/// ``WebAppBrowserTests`` (one browser at a time).
extension WebAppBrowserTests {
    /// The words of the bank `words`, one question each: `word-0` … `word-11`.
    static let wordCount = 12

    /// Imports the bank `words`: twelve one-answer questions, as an author, through the API.
    static func importWords(_ serve: WebAppServe) async throws {
        let questions: [[String: Any]] = (0..<wordCount).map { index in
            [
                "id": "word-\(index)", "category": "vocabulary", "text": "Word number \(index) in French?",
                "answers": [["id": "a", "text": "mot \(index)"], ["id": "b", "text": "autre"]], "correctAnswers": ["a"],
            ]
        }
        let author = try await serve.token("teacher", author: true)
        let imported = try await WebClient(port: serve.port).send(
            "POST", "/banks/words/questions", token: author, json: questions)
        #expect(imported.status == 201, "import: \(imported.text)")
    }

    /// Rates `questionId` of `bankId` good as `user`, in a flashcard session of that one card,
    /// `daysAgo` days before now (the runner's clock header, as epoch milliseconds).
    static func rateGood(_ serve: WebAppServe, user: String, bankId: String, questionId: String, daysAgo: Double) async throws {
        let token = try await serve.token(user)
        let client = WebClient(port: serve.port)
        let then = String(Int64((Date().timeIntervalSince1970 - daysAgo * 86_400) * 1000))
        func post(_ path: String, _ body: [String: Any]) async throws -> WebClient.Response {
            try await client.send(
                "POST", path, token: token, json: body, headers: ["X-Quiz-Now": then, "Idempotency-Key": UUID().uuidString])
        }
        let started = try await post("/sessions", ["mode": "flashcards", "bankId": bankId, "source": "list", "questionIds": [questionId]])
        #expect(started.status == 201, "start: \(started.text)")
        let sessionId = try #require((started.json["session"] as? [String: Any])?["sessionId"] as? String)
        let revealed = try await post("/sessions/\(sessionId)/reveal", ["questionId": questionId])
        #expect(revealed.status == 200, "reveal: \(revealed.text)")
        let rated = try await post("/sessions/\(sessionId)/answer", ["questionId": questionId, "rating": "good"])
        #expect(rated.status == 200, "rating: \(rated.text)")
    }

    @Test("settings and the list of questions: desired retention saved across a reload and refused out of range, most overdue first a page at a time, a bank's only, flashcards of exactly the questions ticked, the empty list")
    func memoryList() async throws {
        let serve = try await WebAppServe(arguments: ["--workers", "1", "--dev-login-authors"], environment: ["QUIZ_ALLOW_CLOCK_HEADER=1"])
        let seen: BrowserScenario.Result
        let capitals: [String]
        do {
            try await Self.importCapitals(serve)
            try await Self.importWords(serve)
            // FSRS-6's first interval after good is 2 days: word-k, rated k + 3.5 days ago, is
            // k + 1.5 days overdue; the two capitals, rated 10 days ago, are 8 days overdue (between
            // word-7 and word-6).
            for index in 0..<Self.wordCount {
                try await Self.rateGood(serve, user: "zoe", bankId: "words", questionId: "word-\(index)", daysAgo: Double(index) + 3.5)
            }
            capitals = try await Self.reviewTwoCardsTenDaysAgo(serve, user: "zoe")
            seen = try await BrowserScenario.run("memory", serve: serve)
        } catch {
            await serve.stop()
            throw error
        }
        let token = try await serve.token("zoe")
        let client = WebClient(port: serve.port)

        // Settings: the default shown, 0.85 saved and still there after a reload, 0.99 refused
        // next to the field with the API's message, and the API holding 0.85.
        let settings = seen["settings"] as? [String: Any] ?? [:]
        #expect(settings["initial"] as? String == "0.90", "\(settings)")
        #expect((settings["saved"] as? String)?.hasPrefix("Saved: desired retention 0.85.") == true, "\(settings)")
        #expect(settings["afterReload"] as? String == "0.85", "\(settings)")
        #expect(settings["refusedError"] as? String == "Desired retention must be between 0.7 and 0.97.", "\(settings)")
        #expect(settings["refusedInvalid"] as? String == "true", "\(settings)")
        #expect(settings["refusedStatus"] as? String == "Not saved: the desired retention is still 0.85.", "\(settings)")
        #expect(settings["refusedFocus"] as? String == "settings-retention", "\(settings)")
        let saved = try await client.send("GET", "/users/me/settings", token: token)
        #expect(saved.json["desiredRetention"] as? Double == 0.85, "\(saved.text)")

        // Every bank, ten a page: the most overdue first, as the API lists them.
        let words = { (indices: [Int]) in indices.map { "words/word-\($0)" } }
        let listed = seen["all"] as? [String] ?? []
        #expect(seen["firstPage"] as? Int == 10, "\(seen["firstPage"] ?? "?")")
        #expect(listed.count == 14, "\(listed)")
        #expect(Array(listed.prefix(5)) == words([11, 10, 9, 8, 7]) && Array(listed.suffix(7)) == words(Array((0...6).reversed())), "\(listed)")
        #expect(Set(listed.dropFirst(5).prefix(2)) == Set(capitals.map { "capitals/\($0)" }), "\(listed), capitals \(capitals)")
        let api = try await client.send("GET", "/users/me/memory?limit=100", token: token)
        let apiOrder = (api.json["items"] as? [[String: Any]] ?? []).map { "\($0["bankId"] as? String ?? "")/\($0["questionId"] as? String ?? "")" }
        // The API's order now: the three studied below were reviewed since, and fall due later.
        let studied = Set(words([10, 6, 1]))
        #expect(listed.filter { !studied.contains($0) } == apiOrder.filter { !studied.contains($0) }, "browser \(listed), API \(apiOrder)")
        #expect(seen["moreAfterLast"] as? Bool == false, "a Show more button after the last page")
        #expect((seen["firstDue"] as? String)?.hasPrefix("Overdue by 12 days (") == true, "\(seen["firstDue"] ?? "?")")
        #expect(seen["firstText"] as? String == "Word number 11 in French?", "\(seen["firstText"] ?? "?")")
        #expect((seen["twoBanks"] as? String)?.hasPrefix("The selected questions are of 2 banks") == true, "\(seen["twoBanks"] ?? "?")")

        // One bank: its questions only, and a flashcard session of exactly the three ticked, in
        // the order listed.
        #expect(seen["wordsHash"] as? String == "#/memory/words", "\(seen["wordsHash"] ?? "?")")
        #expect(seen["wordsOnly"] as? [String] == words(Array((0...11).reversed())), "\(seen["wordsOnly"] ?? "?")")
        #expect(seen["chosen"] as? String == "3 questions selected.", "\(seen["chosen"] ?? "?")")
        #expect(seen["cardsHash"] as? String == "#/cards")
        #expect(seen["cards"] as? [String] == ["word-10", "word-6", "word-1"], "\(seen["cards"] ?? "?")")
        let sessionId = try #require(seen["sessionId"] as? String)
        let session = try await client.send("GET", "/sessions/\(sessionId)", token: token)
        let state = session.json["session"] as? [String: Any] ?? [:]
        #expect(state["source"] as? String == "list" && state["cardCount"] as? Int == 3 && state["status"] as? String == "completed",
                "\(session.text)")

        // A learner with no memory yet.
        #expect((seen["empty"] as? String)?.hasPrefix("You have no memory of any question yet") == true, "\(seen["empty"] ?? "?")")
        #expect(seen["emptyList"] as? Bool == false, "a list shown for a learner with no memory")
        await serve.stop()
    }
}
