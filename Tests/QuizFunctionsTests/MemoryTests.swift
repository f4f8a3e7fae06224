import Foundation
import QuizData
import QuizEngine
import QuizFunctions
import QuizHTTP
import QuizObservability
import QuizStore
import QuizTestSupport
import Testing

/// The memory model as the API stores and shows it: one review per serving, in the answer's
/// transaction, the memory listing, settings and the clock header (docs/memory-model.md).
@Suite("Memory through the API")
struct MemoryTests {
    static let day: Int64 = 86_400_000

    /// Answers the session's current question right or wrong; returns the reply and the question id.
    func answerCurrent(_ harness: Harness, _ sessionId: String, correct: Bool, headers: HTTPHeaders = [:]) async throws -> (Reply, String) {
        let question = try await harness.currentQuestion(sessionId)
        let id = try #require(question["questionId"] as? String)
        let selected = correct ? Bank.correct[id]! : Bank.wrong(id)
        let reply = try await harness.send(
            .answer,
            Harness.request(.post, "/sessions/\(sessionId)/answer", json: ["questionId": id, "selectedAnswers": selected], headers: headers))
        #expect(reply.status == 200, "\(reply.body)")
        return (reply, id)
    }

    @Test("a first try is a review (good or again); its retries leave the memory as it is", arguments: StoreBackend.all)
    func firstTryOnly(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()
        let now = harness.clock.now
        let sessionId = try await harness.startSession(count: 2)

        // Right at the first try: good. FSRS-6's first good: S = 2.3065, D = 2.1181, due in 2 days.
        let (right, rightId) = try await answerCurrent(harness, sessionId, correct: true)
        let good = try #require(right.object["memory"])
        #expect(good["questionId"] as? String == rightId)
        #expect(good["bankId"] as? String == "bank-1")
        #expect(good["category"] as? String == Bank.question(rightId).category)
        #expect(abs((good["stability"] as? Double ?? 0) - 2.3065) < 1e-4)
        #expect(abs((good["difficulty"] as? Double ?? 0) - 2.1181) < 1e-4)
        #expect(good["retrievability"] as? Double == 1)
        #expect(good["lastReviewAt"] as? String == InvocationLogger.iso8601(now))
        #expect(good["dueAt"] as? String == InvocationLogger.iso8601(now + 2 * Self.day))
        #expect(good["reps"] as? Int == 1 && good["lapses"] as? Int == 0)
        #expect(good["state"] as? String == "review" && good["leech"] as? Bool == false)

        // Wrong at the first try: again (FSRS-6's first again: S = w0, due tomorrow) …
        let (wrong, wrongId) = try await answerCurrent(harness, sessionId, correct: false)
        let again = try #require(wrong.object["memory"])
        let expected = MemoryScheduler().review(.new, rating: .again, at: now)
        #expect(again["questionId"] as? String == wrongId)
        #expect(again["stability"] as? Double == expected.stability)
        #expect(again["difficulty"] as? Double == expected.difficulty)
        #expect(again["dueAt"] as? String == InvocationLogger.iso8601(now + Self.day))
        #expect(again["reps"] as? Int == 1 && again["lapses"] as? Int == 0)
        // … and the retries of that serving, wrong or right, are not reviews.
        harness.clock.advance(seconds: 60)
        let (retryWrong, _) = try await answerCurrent(harness, sessionId, correct: false)
        let (retryRight, _) = try await answerCurrent(harness, sessionId, correct: true)
        for reply in [retryWrong, retryRight] {
            let memory = try #require(reply.object["memory"])
            #expect(memory["reps"] as? Int == 1)
            #expect(memory["stability"] as? Double == expected.stability)
            #expect(memory["lastReviewAt"] as? String == InvocationLogger.iso8601(now))
        }
        let listed = try await harness.send(.progress, Harness.request(.get, "/users/me/memory"))
        let items = try #require(listed.json["items"] as? [[String: Any]])
        #expect(items.map { $0["questionId"] as? String } == [wrongId, rightId], "most overdue (earliest due) first")
        #expect(items.map { $0["reps"] as? Int } == [1, 1])
    }

    @Test("a replayed Idempotency-Key returns the first response and reviews once")
    func replay() async throws {
        let harness = Harness()
        try await harness.importBank()
        let sessionId = try await harness.startSession(count: 2)
        let (first, id) = try await answerCurrent(harness, sessionId, correct: true, headers: ["idempotency-key": "k-1"])
        harness.clock.advance(seconds: 60)
        let repeated = try await harness.send(
            .answer,
            Harness.request(
                .post, "/sessions/\(sessionId)/answer", json: ["questionId": id, "selectedAnswers": Bank.correct[id]!],
                headers: ["idempotency-key": "k-1"]))
        #expect(repeated.status == 200)
        #expect(repeated.response.headers["idempotency-replayed"] == "true")
        #expect(repeated.body == first.body)
        let listed = try await harness.send(.progress, Harness.request(.get, "/users/me/memory"))
        #expect((listed.json["items"] as? [[String: Any]])?.map { $0["reps"] as? Int } == [1])
    }

    @Test("the memory listing: own only, filters, pages, most overdue first")
    func listing() async throws {
        let harness = Harness()
        try await harness.importBank()
        try await harness.importBank("bank-2")
        // Four reviews ten minutes apart: each question falls due ten minutes after the one before.
        var reviewed: [String] = []
        for bank in ["bank-1", "bank-2"] {
            let sessionId = try await harness.startSession(bankId: bank, count: 2)
            for _ in 0..<2 {
                let (_, id) = try await answerCurrent(harness, sessionId, correct: true)
                reviewed.append("\(bank)/\(id)")
                harness.clock.advance(seconds: 600)
            }
        }
        func list(_ query: [String: [String]], user: String = "learner-1", path: String = "/users/me/memory") async throws -> Reply {
            try await harness.send(.progress, Harness.request(.get, path, user: user, query: query))
        }
        func ids(_ reply: Reply) -> [String] {
            ((reply.json["items"] as? [[String: Any]]) ?? []).map { "\($0["bankId"] as? String ?? "")/\($0["questionId"] as? String ?? "")" }
        }
        let all = try await list([:])
        #expect(all.status == 200)
        #expect(ids(all) == reviewed)
        #expect(all.json["nextCursor"] is NSNull)
        #expect(ids(try await list([:], path: "/users/learner-1/memory")) == reviewed)
        #expect(ids(try await list(["bankId": ["bank-2"]])) == Array(reviewed.suffix(2)))

        // dueBefore (exclusive): a first good falls due two days after the review.
        let second = harness.clock.now - 3 * 600_000 + 2 * Self.day
        let dueBefore = try await list(["dueBefore": [String(second)]])
        #expect(ids(dueBefore) == Array(reviewed.prefix(1)))
        let rfc = try await list(["dueBefore": [InvocationLogger.iso8601(second + 1)]])
        #expect(ids(rfc) == Array(reviewed.prefix(2)))

        // One at a time, with the cursor, also through a bank filter.
        for filter in [[:], ["bankId": ["bank-1"]]] as [[String: [String]]] {
            var pages: [String] = []
            var cursor: String?
            repeat {
                var query = filter
                query["limit"] = ["1"]
                if let cursor { query["cursor"] = [cursor] }
                let page = try await list(query)
                #expect(page.status == 200)
                pages += ids(page)
                cursor = page.json["nextCursor"] as? String
            } while cursor != nil
            #expect(pages == (filter.isEmpty ? reviewed : Array(reviewed.prefix(2))))
        }

        // Nobody else's, and nothing of another learner's shows in one's own.
        #expect(try await list([:], path: "/users/learner-2/memory").status == 403)
        #expect(ids(try await list([:], user: "learner-2")) == [])
        #expect(try await list(["dueBefore": ["yesterday"]]).status == 400)
        #expect(try await list(["limit": ["0"]]).status == 400)
        #expect(try await list(["cursor": ["garbage"]]).status == 400)
    }

    @Test("settings: desired retention 0.70…0.97, used by every later schedule")
    func settings() async throws {
        let harness = Harness()
        try await harness.importBank()
        func put(_ json: Any, path: String = "/users/me/settings") async throws -> Reply {
            try await harness.send(.progress, Harness.request(.put, path, json: json))
        }
        let defaults = try await harness.send(.progress, Harness.request(.get, "/users/me/settings"))
        #expect(defaults.status == 200 && defaults.json["desiredRetention"] as? Double == 0.9)
        for bad in [0.69, 0.98, -1, 97] as [Double] {
            let reply = try await put(["desiredRetention": bad])
            #expect(reply.status == 422)
            let details = (reply.json["error"] as? [String: Any])?["details"] as? [[String: Any]]
            #expect(details?.first?["field"] as? String == "desiredRetention")
        }
        #expect(try await put(["desiredRetention": "high"]).status == 422)
        #expect(try await put([:] as [String: Any]).status == 422)
        #expect(try await put(["desiredRetention": 0.8], path: "/users/learner-2/settings").status == 403)
        let saved = try await put(["desiredRetention": 0.8])
        #expect(saved.status == 200 && saved.json["desiredRetention"] as? Double == 0.8)
        #expect(try await harness.send(.progress, Harness.request(.get, "/users/me/settings")).json["desiredRetention"] as? Double == 0.8)

        // The next review schedules for 0.8: a longer interval than 0.9's 2 days for a first good.
        let interval = MemoryScheduler(desiredRetention: try DesiredRetention(0.8)).intervalDays(stability: 2.3065)
        #expect(interval > 2)
        let sessionId = try await harness.startSession(count: 1)
        let (reply, _) = try await answerCurrent(harness, sessionId, correct: true)
        #expect(reply.object["memory"]?["dueAt"] as? String == InvocationLogger.iso8601(harness.clock.now + Int64(interval) * Self.day))
        // Another learner still schedules for 0.9.
        let other = try await harness.startSession(user: "learner-2", count: 1)
        let question = try await harness.currentQuestion(other, user: "learner-2")
        let id = try #require(question["questionId"] as? String)
        let theirs = try await harness.answer(other, questionId: id, Bank.correct[id]!, user: "learner-2")
        #expect(theirs.object["memory"]?["dueAt"] as? String == InvocationLogger.iso8601(harness.clock.now + 2 * Self.day))
    }

    @Test("X-Quiz-Now sets the request's time only with QUIZ_ALLOW_CLOCK_HEADER=1")
    func clockHeader() async throws {
        for allowed in [false, true] {
            let harness = Harness { $0.allowClockHeader = allowed }
            // Within the session's half hour, so that the answers are accepted either way.
            let later = harness.clock.now + 600_000
            try await harness.importBank()
            let sessionId = try await harness.startSession(count: 2)
            for header in [String(later), InvocationLogger.iso8601(later)] {
                let (reply, _) = try await answerCurrent(harness, sessionId, correct: true, headers: ["x-quiz-now": header])
                let expected = allowed ? later : harness.clock.now
                #expect(reply.object["memory"]?["lastReviewAt"] as? String == InvocationLogger.iso8601(expected))
            }
            let bad = try await harness.send(.progress, Harness.request(.get, "/users/me/settings", headers: ["x-quiz-now": "soon"]))
            #expect(bad.status == (allowed ? 400 : 200))
        }
        // The switch is read from the environment: only "1" turns it on, anything but 0/1 is refused.
        #expect(try QuizSettings(environment: ["QUIZ_ALLOW_CLOCK_HEADER": "1"]).allowClockHeader)
        #expect(try !QuizSettings(environment: [:]).allowClockHeader)
        #expect(throws: ConfigurationError.self) { try QuizSettings(environment: ["QUIZ_ALLOW_CLOCK_HEADER": "yes"]) }
    }

    @Test("RFC 3339 and epoch milliseconds in X-Quiz-Now", arguments: [
        ("1767225600000", 1_767_225_600_000 as Int64?), ("2026-01-01T00:00:00Z", 1_767_225_600_000),
        ("2026-01-01T02:30:00.25+02:30", 1_767_225_600_250), ("2026-01-01t00:00:00.123456z", 1_767_225_600_123),
        ("2024-02-29T23:59:59-00:00", 1_709_251_199_000), ("2023-02-29T00:00:00Z", nil), ("2026-01-01T00:00:00", nil),
        ("2026-01-01", nil), ("", nil), ("-5", nil), ("99999999999999999", nil), ("2026-13-01T00:00:00Z", nil),
        ("2026-01-01T24:00:00Z", nil), ("2026-01-01T00:00:00.Z", nil), ("2026-01-01T00:00:00Z ", nil),
    ])
    func clockFormats(text: String, expected: Int64?) async throws {
        let harness = Harness { $0.allowClockHeader = true }
        let reply = try await harness.send(.progress, Harness.request(.get, "/users/me/progress", headers: ["x-quiz-now": text]))
        #expect(reply.status == (expected == nil ? 400 : 200), "\(text)")
    }
}

/// Two sessions of one learner reviewing the same question at the same moment, through separate
/// connections (as two workers would): both answers apply, each review exactly once.
@Suite("Memory: concurrent reviews of one question")
struct MemoryConcurrencyTests {
    @Test("both answers apply; reps, the due index and the counters count every review once", arguments: StoreBackend.all)
    func sameQuestionTwoSessions(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank(questions: [Bank.question("q1").json])
        let rounds = 8
        for _ in 0..<rounds {
            let first = try await harness.startSession(count: 1)
            let second = try await harness.startSession(count: 1)
            for session in [first, second] { _ = try await harness.currentQuestion(session) }
            // Each answer on an environment of its own: its own store connection, as another process has.
            let left = try harness.environment(), right = try harness.environment()
            func answer(_ sessionId: String, on environment: QuizEnvironment) async -> Reply {
                await harness.send(
                    .answer,
                    Harness.request(.post, "/sessions/\(sessionId)/answer", json: ["questionId": "q1", "selectedAnswers": ["b"]]),
                    on: environment)
            }
            async let a = answer(first, on: left)
            async let b = answer(second, on: right)
            let replies = await [a, b]
            #expect(replies.map(\.status) == [200, 200], "\(replies.map(\.body))")
            harness.clock.advance(seconds: 3_600)
        }
        let environment = try harness.environment()
        let data = LearnerData(store: environment.store, tables: environment.tables, sessionRetentionSeconds: 0)
        let stored = try #require(try await data.memoryStates(of: "learner-1", questions: [QuestionRef(bankId: "bank-1", questionId: "q1")]).values.first)
        #expect(stored.state.reps == 2 * rounds)
        #expect(stored.version == Int64(2 * rounds))
        let due = try await environment.store.queryAll(
            Query(environment.tables.users, partition: "USER#learner-1", sortKey: .beginsWith("MEMDUE#")))
        #expect(due.count == 1)
        let kept = try await data.memoryCounters(
            of: "learner-1", progress: try await data.progress(of: "learner-1"),
            categoryItems: try await data.categoryProgress(of: "learner-1"), now: harness.clock.now)
        #expect(kept.overall.matches(MemoryCounters(states: [stored.state])))
        try await HourBucketAudit.expectExact(environment)
    }

    @Test("two sessions take the last two questions out of one due hour at the same moment: the hour goes, the counters stay true", arguments: StoreBackend.all)
    func lastTwoOfOneHour(backend: StoreBackend) async throws {
        let harness = try await Harness(backend: backend)
        try await harness.importBank(questions: [Bank.question("q1").json, Bank.question("q2").json])
        let environment = try harness.environment()
        let data = LearnerData(store: environment.store, tables: environment.tables, sessionRetentionSeconds: 0)
        for round in 0..<6 {
            // One card each, rated at the same moment: both have had the same reviews at the same
            // times, so both are due in one hour, and both leave it now.
            var sessions: [String] = []
            for card in ["q1", "q2"] {
                let sessionId = try await harness.startFlashcards(["source": "list", "questionIds": [card]])
                #expect(try await harness.reveal(sessionId).status == 200)
                sessions.append(sessionId)
            }
            let left = try harness.environment(), right = try harness.environment()
            func rate(_ sessionId: String, _ card: String, on environment: QuizEnvironment) async -> Reply {
                await harness.send(
                    .answer, Harness.request(.post, "/sessions/\(sessionId)/answer", json: ["questionId": card, "rating": "good"]), on: environment)
            }
            let (first, second) = (sessions[0], sessions[1])
            async let a = rate(first, "q1", on: left)
            async let b = rate(second, "q2", on: right)
            let replies = await [a, b]
            #expect(replies.map(\.status) == [200, 200], "round \(round): \(replies.map(\.body))")
            try await HourBucketAudit.expectExact(environment, "round \(round)")
            #expect(try await HourBucketAudit.read(environment).buckets.map { $0.int("n") } == [2], "round \(round)")
            let states = try await data.memoryStates(
                of: "learner-1", questions: [QuestionRef(bankId: "bank-1", questionId: "q1"), QuestionRef(bankId: "bank-1", questionId: "q2")])
            let kept = try await data.memoryCounters(
                of: "learner-1", progress: try await data.progress(of: "learner-1"),
                categoryItems: try await data.categoryProgress(of: "learner-1"), now: harness.clock.now)
            #expect(kept.overall.matches(MemoryCounters(states: states.values.map(\.state))), "round \(round)")
            // A day and an hour on: a later due hour, never the one they are in.
            harness.clock.advance(seconds: 86_400 + 3_600)
        }
    }
}
