import Foundation
import Glibc
import ProcessTools
import QuizData
import QuizEngine
import QuizStore
import QuizStoreSQLite
import QuizTestSupport
import Testing

/// Flashcard and review sessions through `local-runner serve` with real worker processes:
/// a session resumed on whichever worker takes each request, and ratings racing from many
/// connections at once for the same card applied exactly once.
@Suite("serve: flashcard and review sessions across worker processes", .serialized)
struct ServeFlashcardTests {
    @Test("a flashcard session runs to completion while its requests land on different workers")
    func journeyAcrossWorkers() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "2"])
        let client = ServeClient(port: serve.port)
        let author = try ServeTokens.mint("author", groups: ["authors"])
        let learner = try ServeTokens.mint("card-learner")
        try await client.importBank("b1", questions: 6, token: author)

        let started = try await client.send(
            "POST", "/sessions", token: learner,
            json: ["bankId": "b1", "mode": "flashcards", "source": "list", "questionIds": ["q0", "q1", "q2", "q3", "q4"]])
        #expect(started.status == 201, "\(started.text)")
        let sessionId = try #require((started.json["session"] as? [String: Any])?["sessionId"] as? String)
        var workers: [String: Set<pid_t>] = [:]
        var shown: [String] = []
        var finished = false
        for step in 0..<12 {
            let front = try await client.send("GET", "/sessions/\(sessionId)/question", token: learner)
            #expect(front.status == 200, "\(front.text)")
            #expect(front.json["answers"] == nil)
            let card = try #require(front.json["questionId"] as? String)
            shown.append(card)
            workers["quiz", default: []].insert(try #require(front.workerPID))
            let early = try await client.send("POST", "/sessions/\(sessionId)/answer", token: learner, json: ["questionId": card, "rating": "good"])
            #expect(early.status == 409)
            #expect(early.errorCode == "CARD_NOT_REVEALED")
            workers["answer", default: []].insert(try #require(early.workerPID))
            let back = try await client.send("POST", "/sessions/\(sessionId)/reveal", token: learner, json: ["questionId": card])
            #expect(back.status == 200, "\(back.text)")
            #expect((back.json["answers"] as? [[String: String]])?.map { $0["id"] } == ["b"])
            workers["quiz", default: []].insert(try #require(back.workerPID))
            // The first card is forgotten once: it must come back three cards later.
            let rating = step == 0 ? "again" : "good"
            let rated = try await client.send(
                "POST", "/sessions/\(sessionId)/answer", token: learner, json: ["questionId": card, "rating": rating],
                headers: ["Idempotency-Key": "rate-\(step)"])
            #expect(rated.status == 200, "\(rated.text)")
            workers["answer", default: []].insert(try #require(rated.workerPID))
            if rated.json["nextAction"] as? String == "SESSION_COMPLETE" {
                finished = true
                break
            }
        }
        #expect(finished)
        #expect(shown == ["q0", "q1", "q2", "q3", "q0", "q4"])
        for _ in 0..<2 {
            let state = try await client.send("GET", "/sessions/\(sessionId)", token: learner)
            workers["session", default: []].insert(try #require(state.workerPID))
            let session = try #require(state.json["session"] as? [String: Any])
            #expect(session["status"] as? String == "completed")
            #expect(session["reviews"] as? Int == 6)
            #expect(session["learnedCount"] as? Int == 5)
        }
        for (function, pids) in workers {
            #expect(pids.count == 2, "\(function) requests all went to \(pids)")
        }
        let stranger = try ServeTokens.mint("someone-else")
        let hidden = try await client.send("GET", "/sessions/\(sessionId)", token: stranger)
        #expect(hidden.status == 404)
        #expect(try await serve.stop() == 0)
        #expect(serve.survivingWorkers.isEmpty)
    }

    @Test("eight ratings of one card at once, on four worker processes: exactly one applies, the others are 409")
    func racingRatings() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "4"])
        let client = ServeClient(port: serve.port)
        try await client.importBank("b1", questions: 4, token: try ServeTokens.mint("author", groups: ["authors"]))
        let learner = try ServeTokens.mint("racer")
        for round in 0..<3 {
            let started = try await client.send(
                "POST", "/sessions", token: learner, json: ["bankId": "b1", "mode": "flashcards", "source": "list", "questionIds": ["q0", "q1"]])
            let sessionId = try #require((started.json["session"] as? [String: Any])?["sessionId"] as? String)
            let reveal = try await client.send("POST", "/sessions/\(sessionId)/reveal", token: learner)
            #expect(reveal.status == 200)
            let replies = try await withThrowingTaskGroup(of: ServeClient.Response.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        try await client.send(
                            "POST", "/sessions/\(sessionId)/answer", token: learner,
                            json: ["questionId": "q0", "rating": index % 2 == 0 ? "good" : "again"])
                    }
                }
                var replies: [ServeClient.Response] = []
                for try await reply in group { replies.append(reply) }
                return replies
            }
            let applied = replies.filter { $0.status == 200 }
            #expect(applied.count == 1, "round \(round): \(replies.map { "\($0.status) \($0.errorCode ?? "")" })")
            for reply in replies where reply.status != 200 {
                #expect(reply.status == 409, "\(reply.text)")
                #expect(["STALE_QUESTION", "VERSION_CONFLICT"].contains(reply.errorCode ?? ""), "\(reply.text)")
            }
            let state = try await client.session(sessionId, token: learner)
            #expect(state["reviews"] as? Int == 1)
            #expect(state["version"] as? Int == 3)
        }
        #expect(try await serve.stop() == 0)
        #expect(serve.survivingWorkers.isEmpty)
    }

    @Test("two sessions of one learner rate the same card at the same moment on different workers: both reviews count, one after the other")
    func racingReviewsOfOneQuestion() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "2"])
        let client = ServeClient(port: serve.port)
        try await client.importBank("b1", questions: 4, token: try ServeTokens.mint("author", groups: ["authors"]))
        let learner = try ServeTokens.mint("two-tabs")
        for round in 0..<4 {
            let card = "q\(round)"
            var sessions: [String] = []
            for _ in 0..<2 {
                let started = try await client.send(
                    "POST", "/sessions", token: learner, json: ["bankId": "b1", "mode": "flashcards", "source": "list", "questionIds": [card]])
                let sessionId = try #require((started.json["session"] as? [String: Any])?["sessionId"] as? String)
                #expect(try await client.send("POST", "/sessions/\(sessionId)/reveal", token: learner).status == 200)
                sessions.append(sessionId)
            }
            let replies = try await withThrowingTaskGroup(of: ServeClient.Response.self) { group in
                for sessionId in sessions {
                    group.addTask {
                        try await client.send("POST", "/sessions/\(sessionId)/answer", token: learner, json: ["questionId": card, "rating": "good"])
                    }
                }
                var replies: [ServeClient.Response] = []
                for try await reply in group { replies.append(reply) }
                return replies
            }
            #expect(replies.map(\.status) == [200, 200], "round \(round): \(replies.map(\.text))")
            let reps = Set(replies.compactMap { ($0.json["memory"] as? [String: Any])?["reps"] as? Int })
            #expect(reps == [1, 2], "round \(round): each review saw the other's, or came first")
        }
        #expect(try await serve.stop() == 0)
        #expect(serve.survivingWorkers.isEmpty)
    }

    @Test("two sessions of one learner take the last two cards out of one due hour at the same moment on different workers: the hour goes, the counters stay true")
    func racingOutOfOneHour() async throws {
        let folder = TemporaryFolder()
        let serve = try await ServeInstance(folder: folder, arguments: ["--workers", "2"], environment: ["QUIZ_ALLOW_CLOCK_HEADER": "1"])
        let client = ServeClient(port: serve.port)
        try await client.importBank("b1", questions: 3, token: try ServeTokens.mint("author", groups: ["authors"]))
        let learner = try ServeTokens.mint("hour-racer")
        let store = try SQLiteTableStore(path: "\(folder.path)/quiz.db")
        let tables = QuizTables()
        // 2027-01-04T09:00:00Z, then a day and an hour later each round: a later due hour, never the one the cards are in.
        var time: Int64 = 1_799_053_200_000
        for round in 0..<5 {
            let now = time
            func send(_ method: String, _ path: String, json: Any? = nil) async throws -> ServeClient.Response {
                try await client.send(method, path, token: learner, json: json, headers: ["X-Quiz-Now": String(now)])
            }
            // q0 and q2 (both of category even) have had the same reviews at the same times: one due
            // hour holds both, and both leave it now.
            var sessions: [(card: String, sessionId: String)] = []
            for card in ["q0", "q2"] {
                let started = try await send("POST", "/sessions", json: ["bankId": "b1", "mode": "flashcards", "source": "list", "questionIds": [card]])
                let sessionId = try #require((started.json["session"] as? [String: Any])?["sessionId"] as? String)
                #expect(try await send("POST", "/sessions/\(sessionId)/reveal").status == 200)
                sessions.append((card, sessionId))
            }
            let replies = try await withThrowingTaskGroup(of: ServeClient.Response.self) { group in
                for (card, sessionId) in sessions {
                    group.addTask { try await send("POST", "/sessions/\(sessionId)/answer", json: ["questionId": card, "rating": "good"]) }
                }
                var replies: [ServeClient.Response] = []
                for try await reply in group { replies.append(reply) }
                return replies
            }
            #expect(replies.map(\.status) == [200, 200], "round \(round): \(replies.map(\.text))")

            // The stored counters: one bucket, both cards in it, at their due hour; the emptied one gone.
            let partition = "USER#hour-racer"
            let items = try await store.queryAll(Query(tables.users, partition: partition, sortKey: .beginsWith(MemoryRecord.itemPrefix)))
            let states = try items.map { try MemoryRecord.stored(from: $0).state }
            let buckets = try await store.queryAll(Query(tables.users, partition: partition, sortKey: .beginsWith(MemoryRecord.hourPrefix)))
            #expect(states.map(\.reps) == [round + 1, round + 1])
            #expect(Set(states.compactMap { $0.dueAt.map(Days.hourNumber) }).count == 1, "round \(round): one due hour")
            #expect(buckets.map { $0.int("n") } == [2], "round \(round): \(buckets)")
            #expect(buckets.first?.int("hour") == states.first?.dueAt.map { Int64(Days.hourNumber($0)) })
            // And progress, read through a worker, counts both once.
            let memory = try #require(try await send("GET", "/users/me/progress").json["memory"] as? [String: Any])
            #expect(memory["tracked"] as? Int == 2)
            let forecast = (memory["forecast"] as? [Int])?.reduce(0, +) ?? 0
            let exact = MemoryProgress(states: states, now: now)
            #expect(forecast == exact.forecast.reduce(0, +) && memory["dueNow"] as? Int == exact.dueNow, "round \(round): \(memory)")
            time += 86_400_000 + 3_600_000
        }
        #expect(try await serve.stop() == 0)
        #expect(serve.survivingWorkers.isEmpty)
    }
}
