import Foundation
import QuizData
import QuizEngine
import QuizFunctions
import QuizHTTP
import QuizObservability
import QuizStore
import QuizStoreDynamoDB
import QuizStoreSQLite
import QuizTestSupport
import Synchronization
import Testing

/// Collects log lines, to check what is (and is not) logged.
final class LogSink: Sendable {
    private let storage = Mutex<[String]>([])
    var lines: [String] { storage.withLock { $0 } }
    func write(_ line: String) { storage.withLock { $0.append(line) } }
}

extension StoreBackend: CustomTestStringConvertible {
    public var testDescription: String { description }
}

/// A real store — a SQLite file in a temporary folder, or DynamoDB tables on moto — and a fresh
/// function instance for every request, so no test can pass by keeping state in a handler.
struct Harness: Sendable {
    let scratch = TemporaryDirectory(prefix: "quiz-functions")
    let clock = TestClock()
    let logs = LogSink()
    let databasePath: String
    let settings: QuizSettings
    /// The DynamoDB tables' settings, when the harness runs on moto.
    private(set) var dynamoDB: DynamoDBConfiguration?

    init(seed: UInt64 = 7, configure: (inout QuizSettings) -> Void = { _ in }) {
        databasePath = "\(scratch.path)/quiz.db"
        var settings = QuizSettings()
        settings.storeURL = "sqlite:\(databasePath)"
        settings.randomSeed = seed
        configure(&settings)
        self.settings = settings
        dynamoDB = nil
    }

    /// A harness on `backend`; on DynamoDB, with the product's tables created under a prefix of its own.
    init(backend: StoreBackend, seed: UInt64 = 7, configure: (inout QuizSettings) -> Void = { _ in }) async throws {
        self.init(seed: seed, configure: configure)
        guard backend == .dynamoDB else { return }
        let server = try MotoServer.shared()
        var configuration = server.configuration(prefix: MotoServer.uniquePrefix())
        let clock = self.clock
        configuration.currentTime = { clock.now / 1000 }
        try await DynamoDBTableStore(configuration: configuration).createTables(QuizTables(prefix: settings.tablePrefix).all)
        dynamoDB = configuration
    }

    /// A new environment on the same file (or tables) whose store is `wrap` of the backend's.
    func environment(wrapping wrap: (any TableStore) -> any TableStore) throws -> QuizEnvironment {
        let plain = try environment()
        let logs = self.logs
        let clock = self.clock
        return QuizEnvironment(
            store: wrap(plain.store), settings: settings,
            logger: InvocationLogger(settings: settings.logging, write: { logs.write($0) }, now: { clock.now }), now: { clock.now })
    }

    /// Sends a request to a function built on `environment`.
    func send(_ function: Function, _ request: HTTPRequestEvent, on environment: QuizEnvironment) async -> Reply {
        let context = InvocationContext(requestId: "req-\(UUID().uuidString.prefix(8))")
        switch function {
        case .session: return Reply(response: await SessionFunction(environment: environment).handle(request, context: context))
        case .quiz: return Reply(response: await QuizFunction(environment: environment).handle(request, context: context))
        case .answer: return Reply(response: await AnswerFunction(environment: environment).handle(request, context: context))
        case .progress: return Reply(response: await ProgressFunction(environment: environment).handle(request, context: context))
        }
    }

    /// A new environment on the same file (or tables), as a new process would build at start.
    func environment() throws -> QuizEnvironment {
        let store: any TableStore
        let clock = self.clock
        if let dynamoDB {
            store = try DynamoDBTableStore(configuration: dynamoDB)
        } else {
            var configuration = SQLiteTableStore.Configuration()
            configuration.currentTime = { clock.now / 1000 }
            store = try SQLiteTableStore(path: databasePath, configuration: configuration)
        }
        let logs = self.logs
        return QuizEnvironment(
            store: store, settings: settings,
            logger: InvocationLogger(settings: settings.logging, write: { logs.write($0) }, now: { clock.now }),
            now: { clock.now })
    }

    enum Function: String, CaseIterable, Sendable {
        case session, quiz, answer, progress
    }

    /// Sends a request to a freshly built function.
    func send(_ function: Function, _ request: HTTPRequestEvent) async throws -> Reply {
        let environment = try environment()
        let context = InvocationContext(requestId: "req-\(UUID().uuidString.prefix(8))")
        let response: HTTPResponseEvent
        switch function {
        case .session: response = await SessionFunction(environment: environment).handle(request, context: context)
        case .quiz: response = await QuizFunction(environment: environment).handle(request, context: context)
        case .answer: response = await AnswerFunction(environment: environment).handle(request, context: context)
        case .progress: response = await ProgressFunction(environment: environment).handle(request, context: context)
        }
        return Reply(response: response)
    }

    /// A request as API Gateway's JWT authorizer hands it over.
    static func request(
        _ method: HTTPMethod, _ path: String, user: String? = "learner-1", groups: [String] = [], json: Any? = nil,
        body: String? = nil, headers: HTTPHeaders = [:], query: [String: [String]] = [:]
    ) -> HTTPRequestEvent {
        var claims: [String: String] = [:]
        if let user { claims["sub"] = user }
        if !groups.isEmpty { claims["cognito:groups"] = "[\(groups.joined(separator: " "))]" }
        var allHeaders = headers
        var data = Data()
        if let json {
            data = try! JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
            if allHeaders["content-type"] == nil { allHeaders["content-type"] = "application/json" }
        } else if let body {
            data = Data(body.utf8)
        }
        return HTTPRequestEvent(
            method: method, path: path, query: QueryParameters(query), headers: allHeaders, body: data,
            requestId: "", claims: claims)
    }

    // MARK: - Journeys

    /// Imports the standard bank as an author.
    @discardableResult
    func importBank(_ bankId: String = "bank-1", questions: [[String: Any]] = Bank.json) async throws -> Reply {
        let reply = try await send(.quiz, Self.request(.post, "/banks/\(bankId)/questions", user: "author-1", groups: ["authors"], json: questions))
        #expect(reply.status == 201, "import failed: \(reply.body)")
        return reply
    }

    /// Starts a session and returns its id.
    func startSession(user: String = "learner-1", bankId: String = "bank-1", count: Int = 3, extra: [String: Any] = [:]) async throws -> String {
        var body: [String: Any] = ["bankId": bankId, "questionCount": count]
        body.merge(extra) { _, new in new }
        let reply = try await send(.session, Self.request(.post, "/sessions", user: user, json: body))
        #expect(reply.status == 201, "start failed: \(reply.body)")
        return try #require(reply.object["session"]?["sessionId"] as? String)
    }

    /// The question being served.
    func currentQuestion(_ sessionId: String, user: String = "learner-1") async throws -> [String: Any] {
        let reply = try await send(.quiz, Self.request(.get, "/sessions/\(sessionId)/question", user: user))
        #expect(reply.status == 200, "question failed: \(reply.body)")
        return reply.json
    }

    /// Answers the current question.
    func answer(
        _ sessionId: String, questionId: String, _ selected: [String], user: String = "learner-1", expectedVersion: Int? = nil,
        key: String? = nil
    ) async throws -> Reply {
        var body: [String: Any] = ["questionId": questionId, "selectedAnswers": selected]
        if let expectedVersion { body["expectedVersion"] = expectedVersion }
        var headers: HTTPHeaders = [:]
        if let key { headers["idempotency-key"] = key }
        return try await send(.answer, Self.request(.post, "/sessions/\(sessionId)/answer", user: user, json: body, headers: headers))
    }
}

/// A response, with its JSON body parsed.
struct Reply: Sendable {
    let response: HTTPResponseEvent
    var status: Int { response.statusCode }
    var body: String { response.body }
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]) ?? [:]
    }
    var object: [String: [String: Any]] { json.compactMapValues { $0 as? [String: Any] } }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
}

/// One question of a test bank.
struct BankQuestion: Sendable {
    var id: String
    var category: String
    var text: String
    var answers: [(id: String, text: String)]
    var correct: [String]

    var answerIds: [String] { answers.map(\.id) }

    var json: [String: Any] {
        [
            "id": id, "category": category, "text": text, "answers": answers.map { ["id": $0.id, "text": $0.text] },
            "correctAnswers": correct, "explanation": "Because.", "source": "unit-tests",
        ]
    }
}

/// The standard test bank: three single-answer questions in two categories and one multi-select.
enum Bank {
    static let questions: [BankQuestion] = [
        BankQuestion(id: "q1", category: "algebra", text: "2 + 2 = ?", answers: [("a", "3"), ("b", "4"), ("c", "5")], correct: ["b"]),
        BankQuestion(
            id: "q2", category: "algebra", text: "x + 1 = 3, x = ?", answers: [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")],
            correct: ["b"]),
        BankQuestion(
            id: "q3", category: "geometry", text: "Angles of a triangle sum to?", answers: [("a", "90"), ("b", "180"), ("c", "360")],
            correct: ["b"]),
        BankQuestion(
            id: "q4", category: "geometry", text: "Which are polygons?", answers: [("a", "square"), ("b", "circle"), ("c", "triangle")],
            correct: ["a", "c"]),
    ]

    /// The bank as the JSON an author uploads.
    static var json: [[String: Any]] { questions.map(\.json) }

    /// The correct answers of every question, as only the tests know them.
    static let correct: [String: [String]] = Dictionary(uniqueKeysWithValues: questions.map { ($0.id, $0.correct) })

    /// A question by id.
    static func question(_ id: String) -> BankQuestion { questions.first { $0.id == id }! }

    /// A wrong answer to a question.
    static func wrong(_ questionId: String) -> [String] {
        let question = question(questionId)
        return [question.answerIds.first { !question.correct.contains($0) }!]
    }
}
