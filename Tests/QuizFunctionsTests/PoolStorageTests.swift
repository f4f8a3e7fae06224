import Foundation
import QuizData
import QuizEngine
import QuizHTTP
import QuizStore
import QuizStoreSQLite
import Testing

@testable import QuizFunctions

/// The wrong-answer pool as one item per entry, two index items per entry and counters on the
/// progress item (`PoolRecord`): what is stored agrees with itself after every answer, and two
/// sessions of one user answering into the pool at once do not lose an update.
@Suite("Wrong-answer pool storage")
struct PoolStorageTests {
    /// Every pool item of a user, checked against each other: each entry has exactly its two
    /// index copies, nothing else is there but the summary, and the summary counts the entries by
    /// remaining tries.
    static func storedPool(_ harness: Harness, user: String = "learner-1") async throws -> [PoolEntry] {
        let environment = try harness.environment()
        let users = environment.tables.users
        let all = try await environment.store.queryAll(Query(users, partition: "USER#\(user)", sortKey: .beginsWith(PoolRecord.itemPrefix)))
        let summary = all.first { $0.string("sk") == PoolRecord.summarySortKey }
        let items = all.filter { $0.string("sk") != PoolRecord.summarySortKey }
        let entries = try items.filter { $0.string("sk")!.hasPrefix(PoolRecord.entryPrefix) }.map { try PoolRecord.entry(from: $0) }
        var expected = Set<String>()
        for entry in entries {
            for item in PoolRecord.items(entry, userId: user) { expected.insert(item.string("sk")!) }
        }
        #expect(Set(items.compactMap { $0.string("sk") }) == expected, "index items mirror the entries, and nothing else is stored")
        for item in items {
            let entry = try PoolRecord.entry(from: item)
            #expect(entries.contains(entry), "index item \(item.string("sk")!) is a copy of its entry")
        }
        for tries in 1...WrongAnswerPool.triesToMaster {
            let counted = summary?.int(PoolRecord.counterName(remainingTries: tries)) ?? 0
            #expect(counted == Int64(entries.count { $0.remainingTries == tries }), "counter of entries with \(tries) tries")
        }
        return WrongAnswerPool(entries: entries).entries
    }

    @Test("entering, reviewing and mastering keep entries, indexes and counters in step")
    func lifecycleOfAnEntry() async throws {
        let harness = Harness()
        try await harness.importBank()
        let sessionId = try await harness.startSession(count: 3)
        let first = try #require(try await harness.currentQuestion(sessionId)["questionId"] as? String)
        _ = try await harness.answer(sessionId, questionId: first, Bank.wrong(first))
        #expect(try await Self.storedPool(harness).isEmpty, "a wrong answer alone does not enter the pool")

        let fixed = try await harness.answer(sessionId, questionId: first, Bank.correct[first]!)
        let entered = try await Self.storedPool(harness)
        #expect(entered.map(\.questionId) == [first])
        #expect(entered.first?.remainingTries == 2)
        #expect(entered.first?.sessionId == sessionId)
        #expect(fixed.object["progress"]?["poolSize"] as? Int == 1)

        var next = fixed
        var seenTries: [Int] = []
        while next.json["nextAction"] as? String != "SESSION_COMPLETE" {
            let id = try #require(next.object["question"]?["questionId"] as? String)
            next = try await harness.answer(sessionId, questionId: id, Bank.correct[id]!)
            #expect(next.status == 200, "\(next.body)")
            let pool = try await Self.storedPool(harness)
            if id == first { seenTries.append(pool.first?.remainingTries ?? 0) }
            #expect(next.object["progress"]?["poolSize"] as? Int == pool.count)
            #expect(next.json["penaltyIndicator"] as? String == WrongAnswerPool(entries: pool).penaltyIndicator)
        }
        #expect(seenTries == [1, 0], "one try off, then mastered and gone")
        #expect(try await Self.storedPool(harness).isEmpty)
    }

    @Test("a wrong answer in another session takes the entry over and moves it in the session index")
    func resetMovesOwnership() async throws {
        let harness = Harness()
        try await harness.importBank("one", questions: [Bank.questions[0].json])
        let a = try await harness.startSession(bankId: "one", count: 1)
        #expect(try await harness.currentQuestion(a)["questionId"] as? String == "q1")
        _ = try await harness.answer(a, questionId: "q1", Bank.wrong("q1"))
        _ = try await harness.answer(a, questionId: "q1", Bank.correct["q1"]!)
        #expect(try await Self.storedPool(harness).map(\.sessionId) == [a])

        let b = try await harness.startSession(bankId: "one", count: 1)
        let served = try await harness.currentQuestion(b)
        #expect(served["questionId"] as? String == "q1")
        let wrong = try await harness.answer(b, questionId: "q1", Bank.wrong("q1"))
        #expect(wrong.json["penaltyIndicator"] as? String == "(+1 Question @ 2 Tries)")
        let pool = try await Self.storedPool(harness)
        #expect(pool.map(\.sessionId) == [b])
        #expect(pool.map(\.remainingTries) == [2])
    }

    @Test("two sessions of one user entering the same question at once: one entry, counted once")
    func concurrentEntries() async throws {
        for round in 0..<6 {
            let harness = Harness(seed: UInt64(round))
            try await harness.importBank("one", questions: [Bank.questions[0].json])
            let sessions = [try await harness.startSession(bankId: "one", count: 1), try await harness.startSession(bankId: "one", count: 1)]
            for session in sessions {
                #expect(try await harness.currentQuestion(session)["questionId"] as? String == "q1")
                _ = try await harness.answer(session, questionId: "q1", Bank.wrong("q1"))
            }
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for session in sessions { group.addTask { try await harness.answer(session, questionId: "q1", Bank.correct["q1"]!) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.map(\.status) == [200, 200], "\(replies.map(\.body))")
            let pool = try await Self.storedPool(harness)
            #expect(pool.count == 1)
            #expect(pool.first?.remainingTries == 2)
            #expect(sessions.contains(pool.first?.sessionId ?? ""))
            let progress = try await harness.send(.progress, Harness.request(.get, "/users/me/progress"))
            #expect(progress.object["pool"]?["size"] as? Int == 1)
            #expect(progress.json["enteredPool"] as? Int == 1, "the second answer reset the entry instead of entering it again")
        }
    }

    @Test("the progress report lists the stored entries, oldest first")
    func progressListsEntries() async throws {
        let harness = Harness()
        try await harness.importBank()
        let environment = try harness.environment()
        let entries = [
            PoolEntry(bankId: "bank-1", questionId: "q3", enteredAt: 1_700_000_002_000, remainingTries: 1, sessionId: "s-old"),
            PoolEntry(bankId: "bank-1", questionId: "q1", enteredAt: 1_700_000_001_000, remainingTries: 2, sessionId: "s-old"),
        ]
        try await environment.store.batchWrite(entries.flatMap { PoolRecord.items($0, userId: "learner-1") }.map { .put($0) }, in: environment.tables.users)
        try await environment.store.put(
            PoolRecord.summaryItem(countsByRemainingTries: [1: 1, 2: 1], userId: "learner-1"), into: environment.tables.users)
        let progress = try await harness.send(.progress, Harness.request(.get, "/users/me/progress"))
        let listed = try #require(progress.object["pool"]?["entries"] as? [[String: Any]])
        #expect(listed.compactMap { $0["questionId"] as? String } == ["q1", "q3"])
        #expect(progress.json["penaltyIndicator"] as? String == "(+1 Question @ 2 Tries) (+1 Question @ 1 Try)")

        // A new session's first pick may be the oldest entry; its state shows the counters' indicator.
        let sessionId = try await harness.startSession(count: 2)
        let state = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
        #expect(state.object["session"]?["penaltyIndicator"] as? String == "(+1 Question @ 2 Tries) (+1 Question @ 1 Try)")
    }
}

/// Records mapped by hand: sessions (scalar attributes and packed state) read back as written,
/// and questions stay what the generic coders make of them, so the bank has one stored form.
@Suite("Hand-mapped records")
struct HandMappedRecordTests {
    static func sessions() throws -> [QuizSession] {
        var random = SeededRandomGenerator(seed: 3)
        let ids = (1...6).map { "q\($0)" }
        var plain = try QuizSession.start(
            id: "s-1", userId: "u-1", bankId: "b", candidateQuestionIds: ids, options: QuizSession.Options(questionCount: 3),
            pool: WrongAnswerPool(), now: 1_000, using: &random)
        let pending = plain
        let question = Question(id: plain.pendingQuestion!.questionId, text: "?", answers: [.init(id: "a", text: "A"), .init(id: "b", text: "B")], correctAnswers: ["b"])
        try plain.serve(question, now: 2_000, using: &random)
        var pool = WrongAnswerPool()
        var answered = plain
        _ = try answered.answer(questionId: question.id, selectedAnswers: ["a"], question: question, pool: &pool, now: 3_000, using: &random)
        _ = try answered.answer(questionId: question.id, selectedAnswers: ["b"], question: question, pool: &pool, now: 4_000, using: &random)
        var categorised = try QuizSession.start(
            id: "s-2", userId: "u-1", bankId: "b", candidateQuestionIds: ids,
            options: QuizSession.Options(category: "alg\"ebra", questionCount: 2, timeLimitSeconds: 60, shuffleChoices: false),
            pool: pool, now: 5_000, using: &random)
        try categorised.abandon(now: 6_000)
        return [pending, plain, answered, categorised]
    }

    @Test("a session's item reads back as the same session, with its scalar fields as attributes")
    func sessionItems() throws {
        for session in try Self.sessions() {
            let item = SessionRecord.item(session, retentionSeconds: 100)
            #expect(try SessionRecord.session(from: item) == session)
            #expect(item.string("pk") == "USER#u-1")
            #expect(item.string("sk") == "SESSION#\(session.id)")
            #expect(item.string("id") == session.id)
            #expect(item.string("userId") == session.userId)
            #expect(item.string("bankId") == session.bankId)
            #expect(item.string("status") == session.status.rawValue)
            #expect(item.int("version") == Int64(session.version))
            #expect(item.int("startedAt") == session.startedAt)
            #expect(item.int("expiresAt") == session.expiresAt)
            #expect(item.int("updatedAt") == session.updatedAt)
            #expect(item.int("endedAt") == session.endedAt)
            #expect(item.int("ttl") == max(session.expiresAt, session.endedAt ?? 0) / 1000 + 100)
        }
    }

    @Test("the served question's copy comes back only with the serving it belongs to")
    func servedQuestionCopy() throws {
        let session = try Self.sessions()[1]
        let served = try #require(session.currentQuestion)
        let question = Question(
            id: served.questionId, category: "c", text: "Which? \u{1F600}", answers: [.init(id: "a", text: "A"), .init(id: "b", text: "B")],
            correctAnswers: ["b"], explanation: "Because.", source: nil)
        let item = SessionRecord.item(session, serving: question, retentionSeconds: 100)
        let stored = try SessionRecord.stored(from: item)
        #expect(stored.session == session)
        #expect(stored.servedQuestion == question)
        // Another question than the served one is not kept; a session serving nothing keeps none.
        let other = Question(id: "elsewhere", text: "?", answers: [.init(id: "a", text: "A")], correctAnswers: ["a"])
        #expect(try SessionRecord.stored(from: SessionRecord.item(session, serving: other, retentionSeconds: 100)).servedQuestion == nil)
        let pending = try Self.sessions()[0]
        #expect(try SessionRecord.stored(from: SessionRecord.item(pending, serving: question, retentionSeconds: 100)).servedQuestion == nil)
    }

    @Test("a session item as releases before the packed state wrote it still reads back, without a question copy")
    func legacySessionItems() throws {
        for session in try Self.sessions() {
            var item = try AttributeEncoder().encodeItem(session)
            item["pk"] = .string("USER#u-1")
            item["sk"] = .string("SESSION#\(session.id)")
            item["ttl"] = .int(max(session.expiresAt, session.endedAt ?? 0) / 1000 + 100)
            let stored = try SessionRecord.stored(from: item)
            #expect(stored.session == session)
            #expect(stored.servedQuestion == nil)
        }
    }

    @Test("a session item missing a field, or with damaged state, is reported unreadable")
    func unreadableSession() throws {
        let good = SessionRecord.item(try Self.sessions()[2], retentionSeconds: 100)
        var item = good
        item["version"] = nil
        #expect(throws: DataError.self) { try SessionRecord.session(from: item) }
        // Without its state the item is not a session of the older form either.
        item = good
        item["state"] = nil
        #expect(throws: DataError.self) { try SessionRecord.session(from: item) }
        item = good
        item["state"] = .string("q1")
        #expect(throws: DataError.self) { try SessionRecord.session(from: item) }
        guard case .binary(let bytes)? = good["state"] else {
            Issue.record("no packed state")
            return
        }
        for cut in [1, bytes.count / 2, bytes.count - 1] {
            item["state"] = .binary(Array(bytes.prefix(cut)))
            #expect(throws: DataError.self) { try SessionRecord.session(from: item) }
        }
        item["state"] = .binary(bytes + [0])
        #expect(throws: DataError.self) { try SessionRecord.session(from: item) }
    }

    @Test("a question's item holds what AttributeEncoder makes of it, and reads back as the same question")
    func questionItems() throws {
        let questions = [
            Question(id: "q1", text: "2 + 2?", answers: [.init(id: "a", text: "4")], correctAnswers: ["a"]),
            Question(
                id: "q2", category: "c", text: "Which?", answers: [.init(id: "a", text: "x"), .init(id: "b", text: "y")],
                correctAnswers: ["a", "b"], explanation: "Both.", source: "book"),
        ]
        for question in questions {
            let item = QuestionBank.encode(question, bankId: "bank")
            var generic = try AttributeEncoder().encodeItem(question)
            generic["pk"] = item["pk"]
            generic["sk"] = item["sk"]
            #expect(item == generic)
            #expect(try QuestionBank.decode(item) == question)
        }
    }
}

/// The answer response is written by hand (`JSONBodyWritable`): byte for byte what `JSONEncoder`
/// with sorted keys writes, for every shape the response takes.
@Suite("Hand-written responses")
struct HandWrittenResponseTests {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let awkward = "quote \" backslash \\ slash / newline \n tab \t nul \u{0} bell \u{7} esc \u{1b} del \u{7f} é 😀 \u{2028}"

    static func views() throws -> [AnswerView] {
        var random = SeededRandomGenerator(seed: 1)
        let question = Question(
            id: "q1", category: awkward, text: awkward, answers: [.init(id: "a", text: "one"), .init(id: "b", text: awkward)],
            correctAnswers: ["b"])
        let served = ServedQuestion(picked: PickedQuestion(QuestionRef(bankId: "b", questionId: "q1"), origin: .wrongAnswerPool), answerIds: ["a", "b"], shuffle: true, using: &random)
        let progress = AnswerView.Progress(questionCount: 10, completedCount: 3, remainingCount: 7, answersSubmitted: 5, correctFirstTry: 2, poolSize: 500)
        var session = try QuizSession.start(
            id: "s", userId: "u", bankId: "b", candidateQuestionIds: ["q1"], pool: WrongAnswerPool(), now: 0, using: &random)
        try session.complete(now: 90_500)
        var results = ResultsView(session.results)
        var other = results
        other.accuracy = 0.833
        other.durationSeconds = nil
        other.sentToPool = ["q1", awkward]
        results.accuracy = 1
        return [
            AnswerView(
                correct: false, nextAction: "RETRY_SAME_QUESTION", penaltyIndicator: "(+1 Question @ 2 Tries)",
                question: QuestionView(served, question: question, version: 7), message: "Not quite.", explanation: nil, version: 7, progress: progress,
                results: nil,
                memory: MemoryView(
                    ref: QuestionRef(bankId: "b", questionId: awkward), category: awkward,
                    state: MemoryScheduler().review(.new, rating: .again, at: 1_800_000_000_123), now: 1_800_000_000_123 + 3 * 86_400_000)),
            AnswerView(
                correct: true, nextAction: "SESSION_COMPLETE", penaltyIndicator: "", question: nil, message: awkward, explanation: awkward,
                version: 12, progress: progress, results: results,
                memory: MemoryView(ref: QuestionRef(bankId: "b", questionId: "q1"), category: nil, state: .new, now: 0)),
            AnswerView(
                correct: true, nextAction: "SESSION_COMPLETE", penaltyIndicator: "", question: nil, message: "", explanation: "",
                version: 1, progress: progress, results: other),
        ]
    }

    @Test("the answer response is the bytes JSONEncoder writes")
    func answerViews() throws {
        for view in try Self.views() {
            let response = try HTTPResponseEvent.json(200, view)
            #expect(response.body == String(decoding: try Self.encoder.encode(view), as: UTF8.self))
            #expect(response.headers["content-type"] == "application/json")
        }
    }

    @Test("the response event is the bytes JSONEncoder writes")
    func responseEvents() throws {
        let events = [
            HTTPResponseEvent(statusCode: 200, headers: ["content-type": "application/json", "x-request-id": "r-1", "B": "2"], body: Self.awkward),
            HTTPResponseEvent(statusCode: 204),
            HTTPResponseEvent(statusCode: 503, headers: ["retry-after": "5"], body: #"{"error":{"code":"X"}}"#, isBase64Encoded: true),
        ]
        for event in events {
            #expect(try event.jsonData() == (try Self.encoder.encode(event)))
        }
    }
}
