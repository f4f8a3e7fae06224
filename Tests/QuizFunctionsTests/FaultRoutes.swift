import Foundation
import QuizData
import QuizEngine
import QuizFunctions
import QuizHTTP
import QuizStore
import QuizTestSupport
import Testing

/// One POST route as the fault suite drives it: a learner with a bank, a session and a served
/// question already in the store; the request, sent with an `Idempotency-Key`; and what must
/// hold in the store once the request has applied, exactly once.
struct FaultRoute: Sendable, CustomTestStringConvertible {
    let name: String
    let function: Harness.Function
    /// The request, given the session set up for it.
    let request: @Sendable (_ sessionId: String, _ questionId: String) -> HTTPRequestEvent
    /// How many times the store shows the request applied (0 or 1 is right; 2 is the bug).
    let applications: @Sendable (_ harness: Harness, _ sessionId: String) async throws -> Int
    /// Checks the store after the request applied once; `first` is the response that applied.
    let check: @Sendable (_ harness: Harness, _ sessionId: String, _ first: Reply) async throws -> Void
    /// What the learner does before the request, given the fixture's session and question; the
    /// session and question the request is then about.
    var prepare: @Sendable (_ harness: Harness, _ sessionId: String, _ questionId: String) async throws -> (String, String) = { _, sessionId, questionId in
        (sessionId, questionId)
    }

    var testDescription: String { name }

    static let all: [FaultRoute] = [start, wrongAnswer, rightAnswer, laterReview, complete, abandon, importBank]

    /// The fixture of `FaultInjectionTests` with this route's preparation done.
    func fixture(_ backend: StoreBackend) async throws -> (harness: Harness, sessionId: String, questionId: String) {
        let (harness, sessionId, questionId) = try await FaultInjectionTests.fixture(backend)
        let (session, question) = try await prepare(harness, sessionId, questionId)
        return (harness, session, question)
    }

    static func post(_ path: String, json: Any, key: String, user: String = "learner-1", groups: [String] = []) -> HTTPRequestEvent {
        Harness.request(.post, path, user: user, groups: groups, json: json, headers: ["idempotency-key": key])
    }

    /// The learner's session items and progress counters: every session counted once under its status.
    static func sessions(_ harness: Harness) async throws -> (items: [Item], counters: Item?) {
        let environment = try harness.environment()
        let items = try await environment.store.queryAll(Query(environment.tables.users, partition: "USER#learner-1", sortKey: .beginsWith("SESSION#")))
        let counters = try await environment.store.get(Key("USER#learner-1", "PROGRESS"), from: environment.tables.users)
        return (items, counters)
    }

    /// The learner's memory as stored: the memory items, the due index and the due-hour counters.
    static func memory(_ harness: Harness) async throws -> (items: [Item], due: [Item], hours: [Item]) {
        let environment = try harness.environment()
        func items(_ prefix: String) async throws -> [Item] {
            try await environment.store.queryAll(Query(environment.tables.users, partition: "USER#learner-1", sortKey: .beginsWith(prefix)))
        }
        return (try await items("MEM#"), try await items("MEMDUE#"), try await items("MEMHOUR#"))
    }

    /// One review of the answered question stored, exactly once, in every item that counts it.
    static func checkOneReview(_ harness: Harness, rating: Int, first: Reply) async throws {
        let (items, due, hours) = try await memory(harness)
        #expect(items.count == 1, "one memory item")
        #expect(items.first?.int("reps") == 1)
        #expect(items.first?.int("version") == 1)
        #expect(items.first?.int("lastRating") == Int64(rating))
        #expect(due.count == 1, "one due-index item")
        #expect(due.first?.int("dueAt") == items.first?.int("dueAt"))
        #expect(hours.reduce(0) { $0 + ($1.int("n") ?? 0) } == 1, "the due hours count the question once")
        #expect(try await sessions(harness).counters?.int("memTracked") == 1)
        let memory = try #require(first.object["memory"])
        #expect(memory["reps"] as? Int == 1)
        #expect(memory["state"] as? String == "review")
    }

    static let start = FaultRoute(
        name: "POST /sessions", function: .session,
        request: { _, _ in post("/sessions", json: ["bankId": "bank-1", "questionCount": 2], key: "start-2") },
        applications: { harness, _ in try await sessions(harness).items.count - 1 },
        check: { harness, _, first in
            let (items, counters) = try await sessions(harness)
            #expect(items.count == 2, "the fixture's session and exactly one more")
            #expect(counters?.int("sessions#started") == 2)
            let created = try #require(first.object["session"]?["sessionId"] as? String)
            #expect(items.contains { $0.string("id") == created })
        })

    static let wrongAnswer = FaultRoute(
        name: "POST /sessions/{id}/answer (wrong)", function: .answer,
        request: { sessionId, questionId in
            post("/sessions/\(sessionId)/answer", json: ["questionId": questionId, "selectedAnswers": Bank.wrong(questionId)], key: "answer-1")
        },
        applications: answersSubmitted,
        check: { harness, sessionId, first in
            // A wrong answer serves the same question again: a second application would count twice.
            let state = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
            #expect(state.object["session"]?["answersSubmitted"] as? Int == 1)
            #expect(state.object["session"]?["version"] as? Int == first.json["version"] as? Int)
            let (_, counters) = try await sessions(harness)
            #expect(counters?.int("answers") == 1)
            #expect(counters?.int("correct") == 0)
            try await checkOneReview(harness, rating: 1, first: first)
        })

    static let rightAnswer = FaultRoute(
        name: "POST /sessions/{id}/answer (right)", function: .answer,
        request: { sessionId, questionId in
            post("/sessions/\(sessionId)/answer", json: ["questionId": questionId, "selectedAnswers": Bank.correct[questionId] ?? []], key: "answer-1")
        },
        applications: answersSubmitted,
        check: { harness, sessionId, first in
            let state = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
            #expect(state.object["session"]?["answersSubmitted"] as? Int == 1)
            #expect(state.object["session"]?["completedCount"] as? Int == 1)
            #expect(state.object["session"]?["version"] as? Int == first.json["version"] as? Int)
            let (_, counters) = try await sessions(harness)
            #expect(counters?.int("answers") == 1)
            #expect(counters?.int("correct") == 1)
            try await checkOneReview(harness, rating: 3, first: first)
        })

    /// A second review of a question, three days after the first, in a review session: the
    /// question is the last of its due hour, so the answer's first attempt finds the decrement
    /// refused and the next one deletes the hour (docs/memory-model.md, "How it is stored") —
    /// every fault lands on the calls of both attempts.
    static let laterReview = FaultRoute(
        name: "POST /sessions/{id}/answer (a later review, the last of its due hour)", function: .answer,
        request: { sessionId, questionId in
            post("/sessions/\(sessionId)/answer", json: ["questionId": questionId, "selectedAnswers": Bank.correct[questionId] ?? []], key: "answer-2")
        },
        applications: { harness, sessionId in
            let state = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
            let answers = state.object["session"]?["answersSubmitted"] as? Int ?? -1
            let counted = try await FaultRoute.sessions(harness).counters?.int("answers") ?? 0
            #expect(Int(counted) == answers + 1, "the progress counters count \(counted) answers, the sessions hold \(answers) + 1")
            return answers
        },
        check: { harness, _, first in
            let (items, due, hours) = try await memory(harness)
            #expect(items.count == 1 && items.first?.int("reps") == 2 && items.first?.int("version") == 2, "\(items)")
            #expect(due.count == 1 && due.first?.int("dueAt") == items.first?.int("dueAt"))
            // The hour of the first review is gone with its only question; the question counts once, in its new hour.
            #expect(hours.count == 1, "\(hours)")
            #expect(hours.first?.int("n") == 1)
            #expect(hours.first?.int("hour") == items.first?.int("dueAt").map { Int64(Days.hourNumber($0)) })
            #expect(try await sessions(harness).counters?.int("memTracked") == 1)
            #expect((first.object["memory"])?["reps"] as? Int == 2)
        },
        prepare: { harness, sessionId, questionId in
            // The first review, then a review session three days on, which serves the question (due) first.
            let reply = try await harness.answer(sessionId, questionId: questionId, Bank.correct[questionId] ?? [])
            #expect(reply.status == 200, "\(reply.body)")
            harness.clock.advance(seconds: 3 * 86_400)
            let review = try await harness.startSession(count: 1, extra: ["mode": "review"])
            let served = try #require(try await harness.currentQuestion(review)["questionId"] as? String)
            #expect(served == questionId)
            return (review, served)
        })

    static let complete = FaultRoute(
        name: "POST /sessions/{id}/complete", function: .session,
        request: { sessionId, _ in post("/sessions/\(sessionId)/complete", json: [:] as [String: String], key: "complete-1") },
        applications: { harness, _ in Int(try await sessions(harness).counters?.int("sessions#completed") ?? 0) },
        check: { harness, _, first in
            #expect(first.object["session"]?["status"] as? String == "completed")
            let (items, counters) = try await sessions(harness)
            #expect(items.map { $0.string("status") } == ["completed"])
            #expect(counters?.int("sessions#completed") == 1)
            #expect((counters?.int("sessions#started") ?? 0) + (counters?.int("sessions#in_progress") ?? 0) == 0)
        })

    static let abandon = FaultRoute(
        name: "POST /sessions/{id}/abandon", function: .session,
        request: { sessionId, _ in post("/sessions/\(sessionId)/abandon", json: [:] as [String: String], key: "abandon-1") },
        applications: { harness, _ in Int(try await sessions(harness).counters?.int("sessions#abandoned") ?? 0) },
        check: { harness, _, first in
            #expect(first.object["session"]?["status"] as? String == "abandoned")
            let (items, counters) = try await sessions(harness)
            #expect(items.map { $0.string("status") } == ["abandoned"])
            #expect(counters?.int("sessions#abandoned") == 1)
            #expect((counters?.int("sessions#started") ?? 0) + (counters?.int("sessions#in_progress") ?? 0) == 0)
        })

    static let importBank = FaultRoute(
        name: "POST /banks/{id}/questions", function: .quiz,
        request: { _, _ in post("/banks/bank-2/questions", json: Bank.json, key: "import-1", user: "author-1", groups: ["authors"]) },
        applications: { harness, _ in
            // The bank's count is what an import applies; it must equal the questions it holds.
            let environment = try harness.environment()
            let questions = try await environment.store.queryAll(Query(environment.tables.questions, partition: "BANK#bank-2", sortKey: .beginsWith("Q#")))
            let count = try await environment.store.get(Key("BANK#bank-2", "META"), from: environment.tables.questions)?.int("questionCount") ?? 0
            #expect(Int(count) == questions.count, "META counts \(count), the bank holds \(questions.count)")
            return questions.isEmpty ? 0 : Int(count) / questions.count
        },
        check: { harness, _, first in
            #expect(first.json["created"] as? Int == 4)
            #expect(first.json["replaced"] as? Int == 0)
            let environment = try harness.environment()
            let questions = try await environment.store.queryAll(Query(environment.tables.questions, partition: "BANK#bank-2", sortKey: .beginsWith("Q#")))
            let meta = try await environment.store.get(Key("BANK#bank-2", "META"), from: environment.tables.questions)
            #expect(questions.count == 4)
            #expect(meta?.int("questionCount") == 4)
            // The slots sessions draw from: dense, one per question, in the bank and in each category.
            #expect(try await OrdinalAudit.problems(in: environment.store, table: environment.tables.questions, bankId: "bank-2") == [])
        })
}

/// The answers the learner's fixture session holds, as the session and the progress counters say.
@Sendable func answersSubmitted(_ harness: Harness, _ sessionId: String) async throws -> Int {
    let state = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
    let answers = state.object["session"]?["answersSubmitted"] as? Int ?? -1
    let counted = try await FaultRoute.sessions(harness).counters?.int("answers") ?? 0
    #expect(Int(counted) == answers, "the progress counters count \(counted) answers, the session holds \(answers)")
    return answers
}

/// What a faulted request may answer: a success, or 503 with `Retry-After` (nothing here is the
/// caller's mistake).
func isAcceptableUnderFault(_ reply: Reply) -> Bool {
    (200..<300).contains(reply.status) || (reply.status == 503 && reply.response.headers["retry-after"] != nil)
}
