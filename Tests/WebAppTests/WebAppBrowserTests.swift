import Foundation
import QuizTestSupport
import Testing

/// The web app in a real browser: headless Chromium driven by Selenium through Debian's
/// chromedriver (`make deps` installs all three), against a real `local-runner serve` with real
/// worker processes. What the browser saw is checked here, and then checked against the API.
///
/// A machine without Chromium fails these tests (it does not skip them). One at a time: each
/// runs a browser and a runner with its workers.
@Suite("The web app in a real browser", .serialized)
struct WebAppBrowserTests {
    static let fixtures = WebAppServe.packageRoot.appendingPathComponent("Tests/WebAppTests/Scripts/fixtures")

    /// Imports the fixture bank `capitals` through the API, as an author.
    static func importCapitals(_ serve: WebAppServe) async throws {
        let author = try await serve.token("teacher", author: true)
        let bank = try Data(contentsOf: fixtures.appendingPathComponent("capitals.json"))
        let imported = try await WebClient(port: serve.port).send(
            "POST", "/banks/capitals/questions", token: author, body: bank, headers: ["Content-Type": "application/json"])
        #expect(imported.status == 201, "import: \(imported.text)")
    }

    @Test("a learner answers wrong then right, reloads, answers across runner restarts and a new sign-in, finishes, sees progress")
    func learnerJourney() async throws {
        let serve = try await WebAppServe(arguments: ["--workers", "1", "--dev-login-authors"])
        try await Self.importCapitals(serve)
        let seen: BrowserScenario.Result
        do {
            seen = try await BrowserScenario.run("learner", serve: serve)
        } catch {
            await serve.stop()
            throw error
        }

        // Sign-in and the start screen.
        #expect(seen["importLinkVisible"] as? Bool == false, "a learner sees the authors' Import link")
        #expect(seen["categories"] as? [String] == ["All categories (4)", "geography (3)", "maths (1)"])

        // The retry: the same question, marked as a retry, its choices in another order.
        #expect((seen["retryNotice"] as? String)?.contains("Try again (attempt 2).") == true)
        #expect((seen["retryNotice"] as? String)?.contains("The choices have been reshuffled.") == true)
        #expect((seen["wrongFeedback"] as? String)?.hasPrefix("Not quite.") == true)
        let before = seen["orderBefore"] as? [String] ?? [], after = seen["orderAfter"] as? [String] ?? []
        #expect(Set(before) == Set(after) && before != after && before.count == 4, "choices \(before) then \(after)")

        // Right on the second try: explanation, and the question enters the pool.
        #expect((seen["rightFeedback"] as? String)?.hasPrefix("Correct") == true, "\(seen["rightFeedback"] ?? "?")")
        #expect((seen["explanation"] as? String)?.hasPrefix("Why: ") == true)
        // The serving's review was its first try, wrong (again): FSRS-6's first stability for again,
        // 0.212 days, rounds to the shortest interval, one day.
        #expect((seen["comesBack"] as? String)?.hasPrefix("Next review tomorrow (") == true, "\(seen["comesBack"] ?? "?")")
        #expect(seen["indicator"] as? String == "(+1 Question @ 2 Tries)")

        // The reload shows the same question and counts, from the API.
        let reload = seen["reload"] as? [String: String] ?? [:]
        #expect(reload["before"] != nil && reload["before"] == reload["after"])
        #expect(reload["doneBefore"] != nil && reload["doneBefore"] == reload["doneAfter"])
        #expect(reload["indicatorAfter"] == "(+1 Question @ 2 Tries)")

        // The restart: "reconnecting" while down, the pending answer kept, delivered once when back.
        #expect((seen["reconnecting"] as? String)?.contains("Can't reach the server. Reconnecting…") == true)
        #expect(seen["pendingWhileDown"] as? [String] == ["answer"])
        let restart = seen["afterRestart"] as? [String: String] ?? [:]
        #expect(restart["outcome"] == "next" && restart["feedback"]?.hasPrefix("Correct") == true, "\(restart)")
        #expect(restart["banner"] == "Connected again." || restart["banner"] == "", "banner after the restart: \(restart["banner"] ?? "?")")
        #expect(seen["pendingAfter"] is NSNull, "requests still pending after the outcome: \(seen["pendingAfter"] ?? "?")")

        // A reload while the runner was down lost nothing: the next load sent the kept answer again.
        #expect((seen["deadPage"] as? String)?.hasPrefix("chrome-error://") == true, "the reload did reach a page: \(seen["deadPage"] ?? "?")")
        let resumed = seen["resumed"] as? [String: Any] ?? [:]
        #expect((resumed["feedback"] as? String)?.hasPrefix("Your last answer was received: correct.") == true, "\(resumed)")
        #expect((resumed["feedback"] as? String)?.contains("Why: ") == true, "the explanation of the recovered answer: \(resumed)")
        #expect(resumed["now"] as? String != resumed["answered"] as? String, "\(resumed)")
        #expect(resumed["pending"] is NSNull, "\(resumed)")

        // A runner restarted with another secret refuses the token: sign in again, the kept answer goes then.
        let again = seen["signInAgain"] as? [String: Any] ?? [:]
        #expect(again["hash"] as? String == "#/signin", "\(again)")
        #expect((again["flash"] as? String)?.hasPrefix("Your sign-in has expired.") == true, "\(again)")
        #expect(again["pending"] as? [String] == ["answer"], "\(again)")
        #expect((again["feedback"] as? String)?.hasPrefix("Your last answer was received: correct.") == true, "\(again)")
        #expect(again["now"] as? String != again["answered"] as? String && again["pendingAfter"] is NSNull, "\(again)")

        // The progress screen draws the charts it has data for.
        let charts = seen["charts"] as? [String: [String: Any]] ?? [:]
        #expect(charts["accuracy"]?["bars"] as? Int == 2, "\(charts)")
        #expect((charts["accuracy"]?["rows"] as? [[String]])?.map(\.first) == ["geography", "maths"])
        #expect((charts["sessions"]?["rows"] as? [[String]])?.first { $0.first == "Completed" }?.last == "1")
        #expect(seen["emptyCharts"] as? [String] == ["pool"], "the pool is empty once every entry is mastered")

        // Against the API: every answer the learner gave counted exactly once, none lost.
        let answers = try #require(seen["answers"] as? Int)
        let sessionId = try #require(seen["sessionId"] as? String)
        let token = try await serve.token("grace")
        let client = WebClient(port: serve.port)
        let session = try await client.send("GET", "/sessions/\(sessionId)", token: token)
        let state = session.json["session"] as? [String: Any] ?? [:]
        let results = session.json["results"] as? [String: Any] ?? [:]
        #expect(state["status"] as? String == "completed")
        #expect(state["answersSubmitted"] as? Int == answers, "the browser answered \(answers) times: \(session.text)")
        #expect(results["wrongAnswers"] as? Int == 1)
        #expect(state["completedCount"] as? Int == 4)
        let progress = try await client.send("GET", "/users/me/progress", token: token)
        #expect((progress.json["totals"] as? [String: Any])?["answers"] as? Int == answers)
        #expect((progress.json["sessions"] as? [String: Any])?["completed"] as? Int == 1)
        await serve.stop()
    }

    @Test("an author imports a CSV with one bad row, sees that row's problem, imports the corrected file, gives up a session on it")
    func authorImport() async throws {
        let serve = try await WebAppServe(arguments: ["--workers", "1", "--dev-login-authors"])
        let seen: BrowserScenario.Result
        do {
            seen = try await BrowserScenario.run("author", serve: serve)
        } catch {
            await serve.stop()
            throw error
        }
        #expect(seen["refusedSummary"] as? String == "Nothing was imported: 1 row has a problem.")
        // Line 3 of the file (the header is line 1), its column, and the importer's own words.
        #expect(seen["errors"] as? [[String]] == [["3", "correct", #"the correct answer "d" is not one of the answer ids"#]])
        #expect(seen["imported"] as? String == "Imported 3 questions into rivers")

        // The refused file wrote nothing; the corrected one wrote its three rows.
        let token = try await serve.token("ada")
        let listed = try await WebClient(port: serve.port).send("GET", "/banks/rivers/questions", token: token)
        let ids = (listed.json["questions"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }.sorted()
        #expect(ids == ["riv-1", "riv-2", "riv-3"])

        // Giving up a session asks first, ends it, and forgets it in the browser.
        #expect(seen["confirm"] as? String == "Give up this session?")
        #expect(seen["ended"] as? String == "abandoned")
        #expect(seen["openSessionAfter"] is NSNull)
        let sessionId = try #require(seen["sessionId"] as? String)
        let session = try await WebClient(port: serve.port).send("GET", "/sessions/\(sessionId)", token: token)
        #expect((session.json["session"] as? [String: Any])?["status"] as? String == "abandoned", "\(session.text)")
        await serve.stop()
    }

    @Test("keyboard only at 360 px: sign in, start, answer, results, progress; visible focus; config.json and PKCE in the page")
    func keyboardAndSmallScreen() async throws {
        let serve = try await WebAppServe(arguments: ["--workers", "1", "--dev-login-authors"])
        try await Self.importCapitals(serve)
        let seen: BrowserScenario.Result
        do {
            seen = try await BrowserScenario.run("keyboard", serve: serve)
        } catch {
            await serve.stop()
            throw error
        }
        #expect(seen["width"] as? Int == 360)
        for entry in seen["focus"] as? [[String]] ?? [] {
            #expect(entry.count == 3 && entry[1] == "solid" && entry[2] == "3px", "focus ring of the \(entry.first ?? "?"): \(entry)")
        }
        #expect((seen["focus"] as? [[String]])?.count ?? 0 >= 4)
        #expect(seen["announcer"] as? String == "polite")
        #expect(seen["connectionRole"] as? String == "status")

        let config = seen["config"] as? [String: Any] ?? [:]
        #expect(config["error"] == nil, "\(config)")
        let empty = config["empty"] as? [String: Any] ?? [:]
        #expect(empty["apiBaseUrl"] as? String == "")
        #expect((empty["signIn"] as? [String: Any])?["method"] as? String == "token")
        #expect((config["local"] as? [String: Any]).flatMap { $0["signIn"] as? [String: Any] }?["authors"] as? Bool == true)
        let cognito = config["cognito"] as? [String: Any] ?? [:]
        #expect(cognito["apiBaseUrl"] as? String == "https://abc123.execute-api.eu-west-1.amazonaws.com")
        let signIn = cognito["signIn"] as? [String: Any] ?? [:]
        #expect(signIn["domain"] as? String == "https://quiz-1234.auth.eu-west-1.amazoncognito.com")
        #expect(signIn["clientId"] as? String == "4pq1example")
        #expect(signIn["redirectUri"] as? String == "https://d111.cloudfront.net/index.html")
        #expect(signIn["scopes"] as? [String] == ["openid", "email"])
        #expect(cognito["banks"] as? [String] == ["demo"])
        #expect(
            (config["bad"] as? [String: Any])?["problems"] as? [String] == [
                "apiBaseUrl must be empty (same origin) or an absolute http(s) URL",
                "signIn.domain must be the https URL of the Cognito domain",
                "signIn.clientId must be the app client id",
            ])
        #expect((config["notObject"] as? [String: Any])?["problems"] as? [String] == ["must be a JSON object"])
        // RFC 7636 appendix B: the S256 challenge of its example verifier.
        #expect(config["pkce"] as? String == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        // Retry-After in seconds or as an HTTP date, capped at two minutes; anything else: back off.
        #expect((config["retryAfter"] as? [Any])?.map { $0 as? Int } == [3000, 10000, nil, nil, 120_000])
        // The pause before a retry: half of min(5 s, 0.5 s × 2^attempt), plus up to that again at random.
        #expect(config["backoff"] as? [Double] == [250, 500, 3000, 2500, 5000])

        // The progress screen's memory figures and due forecast, drawn in the page from a given
        // progress document: every figure, a table of all 30 days, an SVG named and described.
        let rendered = seen["rendered"] as? [String: Any] ?? [:]
        #expect(rendered["error"] == nil, "\(rendered)")
        #expect(rendered["memory"] as? [[String]] == [
            ["Questions tracked", "6"], ["Due now", "1"], ["Mature (stable 21 days or more)", "2"],
            ["Leeches (forgotten 8 times or more)", "1"], ["Expected recall today", "88%"],
        ])
        #expect(rendered["byCategory"] as? [[String]] == [["geography", "4", "1", "2", "0", "100%"], ["maths", "2", "0", "0", "1", "50%"]])
        let days = rendered["forecastRows"] as? [[String]] ?? []
        #expect(days.count == 30 && days.map { $0.last ?? "" } == (0..<30).map { $0 == 1 ? "2" : $0 == 8 ? "3" : "0" }, "\(days)")
        #expect(days.first?.first == "Today" && days.dropFirst().first?.first == "Tomorrow")
        let heights = rendered["columns"] as? [Double] ?? []
        #expect(heights.count == 30 && heights[8] == 110 && abs(heights[1] - 110 * 2 / 3) < 0.1 && heights.enumerated().allSatisfy { [1, 8].contains($0.offset) || $0.element == 0 }, "\(heights)")
        #expect(rendered["role"] as? String == "img")
        let named = rendered["named"] as? [String] ?? []
        #expect(named.first == "Reviews due in the next 30 days", "\(named)")
        #expect(named.last?.hasPrefix("5 reviews fall due in the next 30 days (besides 1 due now); the most on ") == true, "\(named)")
        let comesBack = rendered["comesBack"] as? [Any] ?? []
        #expect((comesBack.first as? String)?.hasPrefix("Next review in 3 days (") == true, "\(comesBack)")
        #expect(comesBack.count == 4 && (comesBack[1] as? String)?.hasPrefix("Next review tomorrow (") == true && comesBack[2] is NSNull && comesBack[3] is NSNull, "\(comesBack)")
        // The questions screen's due dates and stabilities (memory.js).
        let due = rendered["dueText"] as? [String] ?? []
        let duePrefixes = ["Overdue by 12 days (", "Due now (", "Due later today (", "Due tomorrow (", "Due in 5 days (", "Not scheduled"]
        #expect(due.count == 6 && zip(due, duePrefixes).allSatisfy { $0.hasPrefix($1) }, "\(due)")
        #expect(rendered["duration"] as? [String] == ["5 hours", "2.3 days", "2 days", "45 days", "1.4 years"], "\(rendered["duration"] ?? "?")")
        await serve.stop()
    }

    @Test("a lost reply and a 503 with Retry-After: each answer sent again under its own key, applied once; each settings change sent again as it is")
    func faultsBetweenBrowserAndRunner() async throws {
        let serve = try await WebAppServe(arguments: ["--workers", "1", "--dev-login-authors"])
        try await Self.importCapitals(serve)
        let seen: BrowserScenario.Result
        do {
            seen = try await BrowserScenario.run("faults", serve: serve)
        } catch {
            await serve.stop()
            throw error
        }
        let log = seen["proxyLog"] as? [[String: Any]] ?? []
        #expect(log.count == 4, "answers seen by the proxy: \(log)")
        guard log.count == 4 else { return await serve.stop() }
        // The lost reply: the runner applied it (200), the browser heard nothing, sent the same key
        // again and got the stored response.
        #expect(log[0]["fault"] as? String == "lose-reply" && log[0]["status"] as? Int == 200, "\(log[0])")
        #expect(log[1]["key"] as? String == log[0]["key"] as? String && log[1]["status"] as? Int == 200, "\(log[1])")
        #expect(log[1]["replayed"] as? String == "true", "the repeat was answered from the idempotency record: \(log[1])")
        #expect((seen["lostReplyFeedback"] as? String)?.hasPrefix("Correct") == true)
        // The 503: the same key again, no sooner than Retry-After said.
        #expect(log[2]["fault"] as? String == "503" && log[3]["status"] as? Int == 200, "\(log[2]) \(log[3])")
        #expect(log[3]["key"] as? String == log[2]["key"] as? String && log[2]["key"] as? String != log[0]["key"] as? String)
        let waited = (log[3]["at"] as? Double ?? 0) - (log[2]["at"] as? Double ?? 0)
        #expect(waited >= 1.9, "the retry came \(waited) s after a 503 with Retry-After: 2")
        #expect((seen["busyBanner"] as? String)?.contains("The server is busy.") == true)

        // Two answers given, two counted.
        let sessionId = try #require(seen["sessionId"] as? String)
        let session = try await WebClient(port: serve.port).send("GET", "/sessions/\(sessionId)", token: try await serve.token("lee"))
        let state = session.json["session"] as? [String: Any] ?? [:]
        #expect(state["answersSubmitted"] as? Int == 2 && state["completedCount"] as? Int == 2, "\(session.text)")
        #expect(state["status"] as? String == "completed")

        // Settings changes: PUT takes no Idempotency-Key (openapi.yaml) and is sent again as it is,
        // after the lost reply at once, after the 503 no sooner than Retry-After said.
        let puts = seen["settingsLog"] as? [[String: Any]] ?? []
        #expect(puts.count == 4, "settings changes seen by the proxy: \(puts)")
        if puts.count == 4 {
            #expect(puts.allSatisfy { $0["key"] is NSNull }, "\(puts)")
            let values = puts.map { ($0["body"] as? [String: Any])?["desiredRetention"] as? Double }
            #expect(values == [0.8, 0.8, 0.75, 0.75], "\(puts)")
            #expect(puts.map { $0["fault"] as? String } == ["lose-reply", nil, "503", nil], "\(puts)")
            #expect(puts.map { $0["status"] as? Int } == [200, 200, 503, 200], "\(puts)")
            let settingsWait = (puts[3]["at"] as? Double ?? 0) - (puts[2]["at"] as? Double ?? 0)
            #expect(settingsWait >= 1.9, "the retry came \(settingsWait) s after a 503 with Retry-After: 2")
        }
        #expect((seen["settings-503"] as? String)?.hasPrefix("Saved: desired retention 0.75.") == true, "\(seen["settings-503"] ?? "?")")
        let settings = try await WebClient(port: serve.port).send("GET", "/users/me/settings", token: try await serve.token("lee"))
        #expect(settings.json["desiredRetention"] as? Double == 0.75, "\(settings.text)")
        await serve.stop()
    }
}
