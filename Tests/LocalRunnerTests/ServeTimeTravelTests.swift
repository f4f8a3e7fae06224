import Foundation
import Glibc
import ProcessTools
import QuizTestSupport
import Testing

/// Review and flashcard sessions through `local-runner serve` across months, with the request
/// time set by `X-Quiz-Now` (`QUIZ_ALLOW_CLOCK_HEADER=1`): what was learned on day 0 is not due an
/// hour later, is due three months later, and comes back least retained first.
@Suite("serve: review and flashcard sessions across months (X-Quiz-Now)", .serialized)
struct ServeTimeTravelTests {
    static let day: Int64 = 86_400_000
    /// 2027-01-04T09:00:00Z.
    static let dayZero: Int64 = 1_799_053_200_000

    struct Learner {
        let client: ServeClient
        let token: String

        func send(_ method: String, _ path: String, at time: Int64, json: Any? = nil) async throws -> ServeClient.Response {
            try await client.send(method, path, token: token, json: json, headers: ["X-Quiz-Now": String(time)])
        }

        /// Starts a session at `time`; the response.
        func start(_ body: [String: Any], at time: Int64) async throws -> ServeClient.Response {
            try await send("POST", "/sessions", at: time, json: body)
        }

        /// Shows, reveals and rates every card of a flashcard session at `time`, rating each with
        /// `rating(card, timesSeen)`; the cards in the order shown and each rating's response.
        func study(_ sessionId: String, at time: Int64, rating: (String, Int) -> String) async throws -> [(card: String, reply: ServeClient.Response)] {
            var seen: [String: Int] = [:]
            var log: [(String, ServeClient.Response)] = []
            for _ in 0..<30 {
                let front = try await send("GET", "/sessions/\(sessionId)/question", at: time)
                #expect(front.status == 200, "\(front.text)")
                let card = try #require(front.json["questionId"] as? String)
                let back = try await send("POST", "/sessions/\(sessionId)/reveal", at: time)
                #expect(back.status == 200, "\(back.text)")
                seen[card, default: 0] += 1
                let reply = try await send(
                    "POST", "/sessions/\(sessionId)/answer", at: time, json: ["questionId": card, "rating": rating(card, seen[card]!)])
                #expect(reply.status == 200, "\(reply.text)")
                log.append((card, reply))
                if reply.json["nextAction"] as? String == "SESSION_COMPLETE" { return log }
            }
            Issue.record("the session never completed")
            return log
        }
    }

    @Test("learned on day 0, nothing due an hour later, due again in three months, least retained first")
    func monthsLater() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "2"], environment: ["QUIZ_ALLOW_CLOCK_HEADER": "1"])
        let client = ServeClient(port: serve.port)
        try await client.importBank("vocab", questions: 6, token: try ServeTokens.mint("author", groups: ["authors"]))
        let learner = Learner(client: client, token: try ServeTokens.mint("time-traveller"))

        // Day 0: the daily review holds every card, all new; q0 is forgotten once.
        let first = try await learner.start(["bankId": "vocab", "mode": "flashcards", "cardCount": 6], at: Self.dayZero)
        #expect(first.status == 201, "\(first.text)")
        #expect((first.json["session"] as? [String: Any])?["startedAt"] as? String == "2027-01-04T09:00:00.000Z")
        let firstId = try #require((first.json["session"] as? [String: Any])?["sessionId"] as? String)
        let day0 = try await learner.study(firstId, at: Self.dayZero) { card, seen in card == "q0" && seen == 1 ? "again" : "good" }
        #expect(Set(day0.map(\.card)) == ["q0", "q1", "q2", "q3", "q4", "q5"])
        for (card, reply) in day0 {
            let memory = try #require(reply.json["memory"] as? [String: Any], "\(card): the rating carries the memory")
            #expect(memory["questionId"] as? String == card)
            #expect(memory["state"] as? String == "review")
            #expect((memory["dueAt"] as? String ?? "") > "2027-01-04T09:00:00.000Z")
        }

        // An hour later nothing is due and nothing is new: there is no daily review to start.
        let hourLater = try await learner.start(["bankId": "vocab", "mode": "flashcards"], at: Self.dayZero + 3_600_000)
        #expect(hourLater.status == 422, "\(hourLater.text)")
        let review = try await learner.start(["bankId": "vocab", "mode": "review"], at: Self.dayZero + 3_600_000)
        #expect(review.status == 422, "\(review.text)")

        // Three months later all six are due; the once-forgotten q0 is the least retained.
        let later = Self.dayZero + 90 * Self.day
        let cards = try await learner.start(["bankId": "vocab", "mode": "flashcards", "cardCount": 3], at: later)
        #expect(cards.status == 201, "\(cards.text)")
        let cardsId = try #require((cards.json["session"] as? [String: Any])?["sessionId"] as? String)
        let day90 = try await learner.study(cardsId, at: later) { _, _ in "good" }
        #expect(day90.map(\.card) == ["q0", "q1", "q2"])
        for (card, reply) in day90 {
            let memory = try #require(reply.json["memory"] as? [String: Any])
            #expect(memory["reps"] as? Int == (card == "q0" ? 3 : 2), "\(card)")
            #expect((memory["dueAt"] as? String ?? "") > "2027-04-04T09:00:00.000Z")
        }

        // The same day, a review session (quiz rules) serves the three still due, by id on a tie.
        let quiz = try await learner.start(["bankId": "vocab", "mode": "review", "questionCount": 10], at: later + 60_000)
        #expect(quiz.status == 201, "\(quiz.text)")
        let quizSession = try #require(quiz.json["session"] as? [String: Any])
        #expect(quizSession["mode"] as? String == "review")
        #expect(quizSession["questionCount"] as? Int == 3)
        let quizId = try #require(quizSession["sessionId"] as? String)
        let served = try await learner.send("GET", "/sessions/\(quizId)/question", at: later + 60_000)
        #expect(served.json["questionId"] as? String == "q3")
        let wrong = try await learner.send(
            "POST", "/sessions/\(quizId)/answer", at: later + 61_000, json: ["questionId": "q3", "selectedAnswers": ["a"]])
        #expect(wrong.json["nextAction"] as? String == "RETRY_SAME_QUESTION")

        // Six months on, the learner's time (not the server's) decides what is due: everything.
        let halfYear = Self.dayZero + 180 * Self.day
        let again = try await learner.start(["bankId": "vocab", "mode": "flashcards", "cardCount": 6], at: halfYear)
        #expect((again.json["session"] as? [String: Any])?["cardCount"] as? Int == 6, "\(again.text)")
        let againId = try #require((again.json["session"] as? [String: Any])?["sessionId"] as? String)
        let day180 = try await learner.study(againId, at: halfYear) { _, _ in "good" }
        for (card, reply) in day180 {
            let memory = try #require(reply.json["memory"] as? [String: Any])
            // The wrong first try in the review session was q3's lapse; its retry was no review.
            #expect(memory["lapses"] as? Int == (card == "q3" ? 1 : 0), "\(card): \(memory)")
        }
        #expect(try await serve.stop() == 0)
        #expect(serve.survivingWorkers.isEmpty)
    }

    @Test("without QUIZ_ALLOW_CLOCK_HEADER the header is ignored: a session starts at the server's time")
    func headerIgnoredWhenOff() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "1"])
        let client = ServeClient(port: serve.port)
        try await client.importBank("vocab", questions: 2, token: try ServeTokens.mint("author", groups: ["authors"]))
        let learner = Learner(client: client, token: try ServeTokens.mint("no-travel"))
        let started = try await learner.start(["bankId": "vocab", "mode": "flashcards"], at: Self.dayZero + 400 * Self.day)
        #expect(started.status == 201)
        let startedAt = (started.json["session"] as? [String: Any])?["startedAt"] as? String ?? ""
        #expect(!startedAt.hasPrefix("2028-02"), "the header moved the clock: \(startedAt)")
        #expect(try await serve.stop() == 0)
    }
}
