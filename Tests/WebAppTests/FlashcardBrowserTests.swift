import Foundation
import QuizTestSupport
import Testing

/// Flashcards in a real browser, in the suite of ``WebAppBrowserTests`` (one browser at a time).
extension WebAppBrowserTests {
    /// Ten days before now, as the runner's clock header takes it (epoch milliseconds).
    static var tenDaysAgo: String { String(Int64((Date().timeIntervalSince1970 - 10 * 86_400) * 1000)) }

    /// Reviews two geography cards as `user`, ten days ago, rating both good: their first
    /// interval is a few days, so both are due now. Returns their ids.
    static func reviewTwoCardsTenDaysAgo(_ serve: WebAppServe, user: String) async throws -> [String] {
        let token = try await serve.token(user)
        let client = WebClient(port: serve.port)
        func post(_ path: String, _ body: [String: Any]) async throws -> WebClient.Response {
            try await client.send(
                "POST", path, token: token, json: body,
                headers: ["X-Quiz-Now": tenDaysAgo, "Idempotency-Key": UUID().uuidString])
        }
        let started = try await post(
            "/sessions", ["mode": "flashcards", "bankId": "capitals", "source": "category", "category": "geography", "cardCount": 2])
        #expect(started.status == 201, "start: \(started.text)")
        let sessionId = try #require((started.json["session"] as? [String: Any])?["sessionId"] as? String)
        var reviewed: [String] = []
        for _ in 0..<2 {
            let front = try await client.send("GET", "/sessions/\(sessionId)/question", token: token, headers: ["X-Quiz-Now": tenDaysAgo])
            let questionId = try #require(front.json["questionId"] as? String, "front: \(front.text)")
            let revealed = try await post("/sessions/\(sessionId)/reveal", ["questionId": questionId])
            #expect(revealed.status == 200, "reveal: \(revealed.text)")
            let rated = try await post("/sessions/\(sessionId)/answer", ["questionId": questionId, "rating": "good"])
            #expect(rated.status == 200, "rating: \(rated.text)")
            reviewed.append(questionId)
        }
        return reviewed
    }

    @Test("flashcards: the due cards first, Space and 1-4, a reload with the back showing, a rating across a restart, again comes back, results, memory and forecast, a review answer")
    func flashcardReview() async throws {
        let serve = try await WebAppServe(arguments: ["--workers", "1", "--dev-login-authors"], environment: ["QUIZ_ALLOW_CLOCK_HEADER=1"])
        let seen: BrowserScenario.Result
        let due: [String]
        do {
            try await Self.importCapitals(serve)
            due = try await Self.reviewTwoCardsTenDaysAgo(serve, user: "mia")
            seen = try await BrowserScenario.run("flashcards", serve: serve)
        } catch {
            await serve.stop()
            throw error
        }

        // The start screen: the modes, the cards' sources, the count named for cards.
        #expect(seen["modes"] as? [String] == ["Quiz", "Review", "Flashcards"])
        #expect(seen["sources"] as? [String] == ["Due for review", "One category"])
        #expect(seen["countLabel"] as? String == "Cards")
        #expect(seen["hash"] as? String == "#/cards")

        // The front shows the question and nothing of its answers; Space shows the back.
        let key = try Self.capitalsByID()
        let front = seen["firstFront"] as? [String: Any] ?? [:]
        let firstId = try #require(front["id"] as? String)
        #expect(front["front"] as? String == key[firstId]?.text && front["backHidden"] as? Bool == true && front["choices"] as? Int == 0, "\(front)")
        let back = seen["firstBack"] as? [String: Any] ?? [:]
        #expect(back["answers"] as? [String] == key[firstId]?.correct, "\(back)")
        #expect(back["explanation"] as? String == "Why: \(key[firstId]?.explanation ?? "?")", "\(back)")
        #expect(back["focus"] as? String == "good", "focus after the reveal: \(back["focus"] ?? "?")")

        // The daily review: the two cards due now first (least retained first), then the new ones;
        // the card rated again comes back after the three others.
        let order = seen["seen"] as? [String] ?? []
        #expect(order.count == 5 && Set(order.prefix(2)) == Set(due), "cards seen \(order), due \(due)")
        #expect(Set(order.prefix(4)).count == 4 && order.last == order.first, "cards seen \(order)")
        #expect((seen["againFeedback"] as? String)?.hasPrefix("Again: this card comes back after 3 other cards.") == true, "\(seen["againFeedback"] ?? "?")")
        #expect((seen["goodFeedback"] as? String)?.range(of: #"^Good\. Next review (tomorrow|in \d+ days) \("#, options: .regularExpression) != nil,
                "\(seen["goodFeedback"] ?? "?")")

        // The reload kept the revealed card, its back showing.
        let reload = seen["reload"] as? [String: Any] ?? [:]
        #expect(reload["before"] as? String == reload["after"] as? String && (reload["answers"] as? [String])?.isEmpty == false, "\(reload)")
        #expect(reload["width"] as? Int == 360)

        // The rating sent while the runner was down: kept, delivered once it was back.
        #expect((seen["reconnecting"] as? String)?.contains("Can't reach the server. Reconnecting…") == true)
        #expect(seen["pendingWhileDown"] as? [String] == ["rate"])
        #expect(seen["pendingAfter"] as? [String] == [])
        #expect((seen["easyFeedback"] as? String)?.hasPrefix("Easy.") == true, "\(seen["easyFeedback"] ?? "?")")

        // The end: every card learned.
        #expect((seen["endFeedback"] as? String)?.contains("All cards done.") == true)
        #expect(seen["endFocus"] as? String == "See your results")
        let results = Dictionary(uniqueKeysWithValues: (seen["results"] as? [[String]] ?? []).map { ($0[0], $0[1]) })
        #expect(results["Status"] == "Completed" && results["Cards learned"] == "4 of 4" && results["Ratings given"] == "5", "\(results)")
        #expect(results["Rated again"] == "1" && results["Rated hard"] == "1" && results["Rated good"] == "2" && results["Rated easy"] == "1")

        // Against the API: the session holds exactly the browser's five ratings.
        let sessionId = try #require(seen["sessionId"] as? String)
        let token = try await serve.token("mia")
        let client = WebClient(port: serve.port)
        let session = try await client.send("GET", "/sessions/\(sessionId)", token: token)
        let state = session.json["session"] as? [String: Any] ?? [:]
        let summary = session.json["results"] as? [String: Any] ?? [:]
        #expect(state["status"] as? String == "completed" && state["reviews"] as? Int == 5, "\(session.text)")
        #expect(summary["ratings"] as? [String: Int] == ["again": 1, "hard": 1, "good": 2, "easy": 1], "\(session.text)")

        // Progress: the figures and the forecast the page shows are the API's.
        let progress = try await client.send("GET", "/users/me/progress", token: token)
        let memory = try #require(progress.json["memory"] as? [String: Any], "\(progress.text)")
        let figures = Dictionary(uniqueKeysWithValues: (seen["memory"] as? [[String]] ?? []).map { ($0[0], $0[1]) })
        #expect(memory["tracked"] as? Int == 4 && figures["Questions tracked"] == "4", "\(figures) \(memory)")
        #expect(figures["Due now"] == "\(memory["dueNow"] as? Int ?? -1)")
        #expect(figures["Mature (stable 21 days or more)"] == "\(memory["mature"] as? Int ?? -1)")
        #expect(figures["Leeches (forgotten 8 times or more)"] == "0")
        let recall = Int(((memory["meanRetrievability"] as? Double ?? -1) * 100).rounded())
        #expect(figures["Expected recall today"] == "\(recall)%", "\(figures) \(memory)")
        // Ratings are not answers: no accuracy to chart for this learner.
        #expect((seen["emptyCharts"] as? [String])?.contains("accuracy") == true, "\(seen["emptyCharts"] ?? "?")")
        let forecast = try #require(memory["forecast"] as? [Int])
        let chart = seen["forecast"] as? [String: Any] ?? [:]
        let rows = chart["rows"] as? [[String]] ?? []
        #expect(rows.count == 30 && rows.map { Int($0.last ?? "") ?? -1 } == forecast, "table \(rows), API \(forecast)")
        #expect(rows.first?.first == "Today" && rows.dropFirst().first?.first == "Tomorrow")
        #expect(forecast.reduce(0, +) == 4, "every card rated today falls due within 30 days: \(forecast)")
        let columns = chart["columns"] as? [Double] ?? []
        #expect(columns.count == 30 && columns.filter { $0 > 0 }.count == forecast.filter { $0 > 0 }.count, "\(columns)")

        // A review session answered right the first time (a new question, rated good): FSRS-6's
        // first stability for good is 2.3065 days, so it comes back in 2 days.
        #expect(seen["reviewHash"] as? String == "#/quiz")
        #expect((seen["reviewComesBack"] as? String)?.hasPrefix("Next review in 2 days (") == true, "\(seen["reviewComesBack"] ?? "?")")
        let reviewId = try #require(seen["reviewSessionId"] as? String)
        let review = try await client.send("GET", "/sessions/\(reviewId)", token: try await serve.token("ray"))
        #expect((review.json["session"] as? [String: Any])?["mode"] as? String == "review", "\(review.text)")
        await serve.stop()
    }

    /// The fixture bank's questions by id: text, the correct answers' texts, the explanation.
    static func capitalsByID() throws -> [String: (text: String, correct: [String], explanation: String)] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("capitals.json"))
        let questions = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        var byId: [String: (text: String, correct: [String], explanation: String)] = [:]
        for question in questions {
            let answers = question["answers"] as? [[String: String]] ?? []
            let correct = question["correctAnswers"] as? [String] ?? []
            byId[question["id"] as? String ?? ""] = (
                question["text"] as? String ?? "",
                answers.filter { correct.contains($0["id"] ?? "") }.compactMap { $0["text"] },
                question["explanation"] as? String ?? ""
            )
        }
        return byId
    }
}
