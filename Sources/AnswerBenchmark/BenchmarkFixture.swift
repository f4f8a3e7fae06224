import Foundation
import QuizEngine
import QuizFunctions
import QuizHTTP
import QuizStore

/// The benchmark's data: a large bank, a learner with a full pool, and the events it sends.
struct BenchmarkFixture {
    let environment: QuizEnvironment
    let user = "bench-learner"
    let bankId = "bench-bank"
    let questionCount: Int

    struct Session {
        var id: String
        var questionId: String
        var version: Int
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
    }

    let poolSize: Int

    /// The learner's pool: `poolSize` questions from elsewhere in the bank, owned by an old session.
    /// Reseeded with every new session, so every answer is measured against a full pool.
    func seedPool() async throws {
        let questions = questionCount
        let current = try PoolRecord.pool(from: try await environment.store.get(Key("USER#\(user)", "POOL"), from: environment.tables.users))
        let now = environment.now()
        let entries = (0..<poolSize).map { index in
            PoolEntry(
                bankId: bankId, questionId: "q\(questions - 1 - index)", enteredAt: now - Int64(poolSize - index) * 1000,
                remainingTries: 1 + index % 2, sessionId: "old-session")
        }
        try await environment.store.put(
            PoolRecord.item(WrongAnswerPool(entries: entries, version: current.version + 1), userId: user), into: environment.tables.users)
    }

    func startSession() async throws -> Session {
        try await seedPool()
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

    /// The raw API Gateway event of an answer, as Lambda would deliver it.
    func answerEvent(session: Session, wrong: Bool) throws -> Data {
        let body = #"{"questionId":"\#(session.questionId)","selectedAnswers":["\#(wrong ? "a" : "b")"],"timeSpentMs":1200}"#
        let request = HTTPRequestEvent(
            method: .post, path: "/sessions/\(session.id)/answer", headers: ["content-type": "application/json"], body: Data(body.utf8),
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
        return (Session(id: session.id, questionId: id, version: version), false)
    }

    func poolCount() async throws -> Int {
        Int(try await environment.store.get(Key("USER#\(user)", "POOL"), from: environment.tables.users)?.int("count") ?? 0)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
