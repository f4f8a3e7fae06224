import Foundation
import QuizData
import QuizEngine
import QuizFunctions
import QuizHTTP
import QuizStore

/// The benchmark's data: a large bank, a learner with a full pool, and the events it sends.
struct BenchmarkFixture {
    let environment: QuizEnvironment
    /// The learner whose sessions and pool the benchmark uses.
    private(set) var user = "bench-learner"
    let bankId = "bench-bank"
    let questionCount: Int

    struct Session {
        var id: String
        var questionId: String
        var version: Int
        /// Whether an answer of this session has been sent: the first goes without
        /// `expectedVersion`, as a client that has not yet seen one sends it.
        var answered = false
    }

    init(environment: QuizEnvironment, questions: Int, poolSize: Int) async throws {
        self.environment = environment
        questionCount = questions
        let quiz = QuizFunction(environment: environment)
        // Uploads of 5,000, the import limit.
        for start in stride(from: 0, to: questions, by: 5000) {
            let rows = (start..<min(start + 5000, questions)).map { index in
                #"{"id":"q\#(index)","category":"c\#(index % 20)","text":"Question \#(index)?","answers":[{"id":"a","text":"one"},{"id":"b","text":"two"},{"id":"c","text":"three"},{"id":"d","text":"four"}],"correctAnswers":["b"]}"#
            }
            let request = HTTPRequestEvent(
                method: .post, path: "/banks/\(bankId)/questions", headers: ["content-type": "application/x-ndjson"],
                body: Data(rows.joined(separator: "\n").utf8), requestId: "import-\(start)", claims: ["sub": "author", "cognito:groups": "[authors]"])
            let response = await quiz.handle(request, context: InvocationContext(requestId: "import"))
            guard response.statusCode == 201 else { throw BenchmarkError(message: "import failed: \(response.body)") }
        }
        self.poolSize = poolSize
        let seededAt = environment.now()
        poolEntries = (0..<poolSize).map { index in
            PoolEntry(
                bankId: "bench-bank", questionId: "q\(questions - 1 - index)", enteredAt: seededAt - Int64(poolSize - index) * 1000,
                remainingTries: 1 + index % 2, sessionId: "old-session")
        }
    }

    let poolSize: Int
    /// The learner's pool at the start of every session: `poolSize` questions from elsewhere in the
    /// bank, owned by an old session.
    let poolEntries: [PoolEntry]

    /// Puts the learner's pool back to `poolEntries`, so every answer is measured against a full
    /// pool: the items of entries the last session changed go, the entries as seeded come back
    /// with their index items, and the pool's summary is set to match.
    func seedPool() async throws {
        let store = environment.store
        let users = environment.tables.users
        let partition = "USER#\(user)"
        let current = try await store.queryAll(Query(users, partition: partition, sortKey: .beginsWith(PoolRecord.entryPrefix)))
            .map { try PoolRecord.entry(from: $0) }
        let seeded = Set(poolEntries)
        let stale = current.filter { !seeded.contains($0) }
        let kept = Set(current)
        let stray = try await store.queryAll(Query(users, partition: partition, sortKey: .beginsWith(PoolRecord.itemPrefix)))
        var expectedKeys = Set(try poolEntries.flatMap { try PoolRecord.items($0, userId: user).map { try users.key(of: $0) } })
        expectedKeys.insert(Key(partition, PoolRecord.summarySortKey))
        // The items of changed entries, and any index item left behind by one.
        var deletions = Set(try stale.flatMap { try PoolRecord.items($0, userId: user).map { try users.key(of: $0) } })
        for item in stray where !expectedKeys.contains(try users.key(of: item)) { deletions.insert(try users.key(of: item)) }
        if !deletions.isEmpty { try await store.batchWrite(deletions.map { .delete($0) }, in: users) }
        let missing = poolEntries.filter { !kept.contains($0) }
        if !missing.isEmpty {
            try await store.batchWrite(missing.flatMap { PoolRecord.items($0, userId: user) }.map { .put($0) }, in: users)
        }
        let counts = Dictionary(grouping: poolEntries, by: \.remainingTries).mapValues(\.count)
        try await store.put(PoolRecord.summaryItem(countsByRemainingTries: counts, userId: user), into: users)
    }

    /// The same bank and pool, for another learner (whose pool still needs `seedPool()`).
    func learner(_ user: String) -> BenchmarkFixture {
        var copy = self
        copy.user = user
        return copy
    }

    /// A new session with its first question served; the pool is put back to `poolEntries`
    /// first unless `reseed` is false.
    func startSession(reseed: Bool = true) async throws -> Session {
        if reseed { try await seedPool() }
        let request = HTTPRequestEvent(
            method: .post, path: "/sessions", headers: ["content-type": "application/json"],
            body: Data(#"{"bankId":"\#(bankId)","timeLimitSeconds":86400}"#.utf8), requestId: "start",
            claims: ["sub": user])
        let started = await SessionFunction(environment: environment).handle(request, context: InvocationContext(requestId: "start"))
        let sessionId = try Self.json(started.body)["session"].flatMap { ($0 as? [String: Any])?["sessionId"] as? String }
        guard let sessionId else { throw BenchmarkError(message: "start failed: \(started.body)") }
        let question = await QuizFunction(environment: environment).handle(
            HTTPRequestEvent(method: .get, path: "/sessions/\(sessionId)/question", requestId: "q", claims: ["sub": user]),
            context: InvocationContext(requestId: "question"))
        guard let questionId = try Self.json(question.body)["questionId"] as? String else {
            throw BenchmarkError(message: "question failed: \(question.body)")
        }
        return Session(id: sessionId, questionId: questionId, version: 2)
    }

    /// The raw API Gateway event of an answer, as Lambda would deliver it. With an
    /// `idempotencyKey` it is the request `quiz-serve-bench`'s learners send: that header, and
    /// `expectedVersion` from a session's second answer on.
    func answerEvent(session: Session, wrong: Bool, idempotencyKey: String? = nil) throws -> Data {
        let expected = idempotencyKey != nil && session.answered ? #","expectedVersion":\#(session.version)"# : ""
        let body = #"{"questionId":"\#(session.questionId)","selectedAnswers":["\#(wrong ? "a" : "b")"],"timeSpentMs":1200\#(expected)}"#
        var headers = [("content-type", "application/json")]
        if let idempotencyKey { headers.append(("idempotency-key", idempotencyKey)) }
        let request = HTTPRequestEvent(
            method: .post, path: "/sessions/\(session.id)/answer", headers: HTTPHeaders(headers), body: Data(body.utf8),
            requestId: UUID().uuidString, claims: ["sub": user])
        return try request.httpAPIEvent(routeKey: "POST /sessions/{sessionId}/answer", time: environment.now())
    }

    /// The session after a response; `nil` when the answer failed.
    func follow(_ response: Data, session: Session) throws -> (session: Session, completed: Bool)? {
        let event = try JSONDecoder().decode(HTTPResponseEvent.self, from: response)
        guard event.statusCode == 200 else { return nil }
        let body = try Self.json(event.body)
        if body["nextAction"] as? String == "SESSION_COMPLETE" { return (session, true) }
        guard let question = body["question"] as? [String: Any], let id = question["questionId"] as? String,
            let version = body["version"] as? Int
        else { return nil }
        return (Session(id: session.id, questionId: id, version: version, answered: true), false)
    }

    /// Answer events made by filling in a template, and responses read by scanning their bytes:
    /// the client side of the concurrent run, which must cost little next to the handler, since
    /// its time counts in the wall-clock throughput. (`answerEvent` and `follow` build and parse
    /// the JSON in full, at a cost comparable to a third of an answer.)
    struct FastClient {
        /// The event of `answerEvent` cut at the markers where the session, question, choice
        /// and request id go.
        enum Piece {
            case text([UInt8])
            case session, question, choice, request
        }
        private let pieces: [Piece]
        static let markers: [(String, Piece)] = [
            ("SESSION-MARKER", .session), ("QUESTION-MARKER", .question), ("CHOICE-MARKER", .choice), ("REQUEST-MARKER", .request),
        ]

        init(_ fixture: BenchmarkFixture) throws {
            let request = HTTPRequestEvent(
                method: .post, path: "/sessions/SESSION-MARKER/answer", headers: ["content-type": "application/json"],
                body: Data(#"{"questionId":"QUESTION-MARKER","selectedAnswers":["CHOICE-MARKER"],"timeSpentMs":1200}"#.utf8),
                requestId: "REQUEST-MARKER", claims: ["sub": fixture.user])
            let template = Array(try request.httpAPIEvent(routeKey: "POST /sessions/{sessionId}/answer", time: fixture.environment.now()))
            var pieces: [Piece] = []
            var literal: [UInt8] = []
            var index = 0
            scan: while index < template.count {
                for (marker, piece) in Self.markers {
                    let bytes = Array(marker.utf8)
                    if template[index...].starts(with: bytes) {
                        pieces.append(.text(literal))
                        literal = []
                        pieces.append(piece)
                        index += bytes.count
                        continue scan
                    }
                }
                literal.append(template[index])
                index += 1
            }
            pieces.append(.text(literal))
            self.pieces = pieces
        }

        func event(session: Session, wrong: Bool, requestId: String) -> Data {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(1600)
            for piece in pieces {
                switch piece {
                case .text(let text): bytes += text
                case .session: bytes += session.id.utf8
                case .question: bytes += session.questionId.utf8
                case .choice: bytes.append(wrong ? UInt8(ascii: "a") : UInt8(ascii: "b"))
                case .request: bytes += requestId.utf8
                }
            }
            return Data(bytes)
        }

        /// What `follow` returns, read from the response's bytes: a 200 either completes the
        /// session or names the next question (the `questionId` inside `question`) and version.
        func follow(_ response: Data, session: Session) -> (session: Session, completed: Bool)? {
            let bytes = Array(response)
            guard Self.find(Array(#""statusCode":200"#.utf8), in: bytes, from: 0) != nil else { return nil }
            if Self.find(Array(#"\"nextAction\":\"SESSION_COMPLETE\""#.utf8), in: bytes, from: 0) != nil { return (session, true) }
            guard let question = Self.find(Array(#"\"question\":{"#.utf8), in: bytes, from: 0),
                let id = Self.string(after: Array(#"\"questionId\":\""#.utf8), in: bytes, from: question),
                let version = Self.integer(after: Array(#"\"version\":"#.utf8), in: bytes)
            else { return nil }
            return (Session(id: session.id, questionId: id, version: version, answered: true), false)
        }

        private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
            guard needle.count <= bytes.count else { return nil }
            var index = start
            while index + needle.count <= bytes.count {
                if bytes[index] == needle[0], bytes[index..<index + needle.count].elementsEqual(needle) { return index + needle.count }
                index += 1
            }
            return nil
        }

        /// The text between `prefix` and the next escaped quote.
        private static func string(after prefix: [UInt8], in bytes: [UInt8], from start: Int) -> String? {
            guard let begin = find(prefix, in: bytes, from: start), let end = find(Array(#"\""#.utf8), in: bytes, from: begin) else { return nil }
            return String(decoding: bytes[begin..<end - 2], as: UTF8.self)
        }

        /// The digits after the last `prefix` (the top-level `version` comes last in the body).
        private static func integer(after prefix: [UInt8], in bytes: [UInt8]) -> Int? {
            var position = 0
            var last: Int?
            while let found = find(prefix, in: bytes, from: position) {
                last = found
                position = found
            }
            guard var index = last else { return nil }
            var value = 0
            while index < bytes.count, (48...57).contains(bytes[index]) {
                value = value * 10 + Int(bytes[index] - 48)
                index += 1
            }
            return value
        }
    }

    /// The entries in the learner's pool now.
    func poolCount() async throws -> Int {
        try await environment.store.queryAll(
            Query(environment.tables.users, partition: "USER#\(user)", sortKey: .beginsWith(PoolRecord.entryPrefix))
        ).count
    }

    static func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
