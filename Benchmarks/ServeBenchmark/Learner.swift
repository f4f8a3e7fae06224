import ProcessTools
import CurlHTTP
import Foundation
import StrictJSON
import Synchronization

/// The kinds of request the benchmark times separately.
enum RouteClass: String, CaseIterable, Sendable {
    case startSession = "POST /sessions"
    case question = "GET /sessions/{id}/question"
    case answer = "POST /sessions/{id}/answer"
    case progress = "GET /users/me/progress"
}

/// What every learner thread adds its results to.
final class Collected: Sendable {
    struct State {
        var latencies: [RouteClass: [Duration]] = [:]
        var requests = 0
        var answers = 0
        var wrongAnswers = 0
        var sessionsCompleted = 0
        var errors = 0
        /// The first few errors, word for word, for the report.
        var firstErrors: [String] = []
    }

    let state = Mutex(State())

    /// Records a learner that could not run at all.
    func addFailure(_ message: String) {
        state.withLock { state in
            state.errors += 1
            if state.firstErrors.count < 5 { state.firstErrors.append(message) }
        }
    }

    /// Adds one learner's results.
    func add(_ learner: Learner) {
        state.withLock { state in
            for (route, samples) in learner.latencies {
                state.latencies[route, default: []] += samples
            }
            state.requests += learner.requests
            state.answers += learner.answers
            state.wrongAnswers += learner.wrongAnswers
            state.sessionsCompleted += learner.sessionsCompleted
            state.errors += learner.errors.count
            for error in learner.errors where state.firstErrors.count < 5 {
                state.firstErrors.append(error)
            }
        }
    }
}

/// One simulated learner: its own user, token and keep-alive connection, going through whole
/// sessions as fast as the server answers (no think time), on its own thread.
///
/// Per session: start it, read the question being served, answer until the session is
/// complete, each answer with an `Idempotency-Key` (and, from the second on, `expectedVersion`)
/// as a careful client sends them; then read its progress. A first try is wrong 1 time in 4 (chosen by a generator
/// seeded with the learner's number, so runs repeat), a retry always right, so every session
/// ends. Every answer's grading is checked against what the learner meant, and the progress
/// totals against the answers it sent: a wrong figure counts as an error like a failed request.
struct Learner {
    /// The settings every learner shares.
    struct Script: Sendable {
        var port: Int
        var bankID: String
        var questionsPerSession: Int
        var sessions: Int
        /// The correct choice of every question, by question id.
        var correctChoice: [String: String]
        /// The most answers one session may take before it counts as stuck.
        var answerLimit = 1_000
    }

    let number: Int
    let token: String
    let script: Script
    private let client: CurlHTTPClient
    private var random: SplitMix64

    private(set) var latencies: [RouteClass: [Duration]] = [:]
    private(set) var requests = 0
    private(set) var answers = 0
    private(set) var wrongAnswers = 0
    private(set) var sessionsCompleted = 0
    private(set) var errors: [String] = []

    init(number: Int, token: String, script: Script) throws {
        self.number = number
        self.token = token
        self.script = script
        // Queued requests wait for a free worker; a minute is far beyond any expected wait.
        client = try CurlHTTPClient(configuration: .init(connectTimeout: .seconds(10), requestTimeout: .seconds(60)))
        random = SplitMix64(seed: UInt64(number))
    }

    /// Runs every session; stops at the first error, which is recorded.
    mutating func run() {
        for session in 0..<script.sessions {
            guard runSession(session) else { return }
        }
        guard let progress: QuizAPI.Progress = request(.progress, "GET", "/users/me/progress", expecting: 200) else { return }
        if progress.userId != "learner-\(number)" {
            errors.append("learner \(number): progress is that of \(progress.userId)")
        } else if progress.answers != answers {
            errors.append("learner \(number): progress says \(progress.answers) answers, the learner sent \(answers)")
        }
    }

    /// One session from start to completion; false after an error.
    private mutating func runSession(_ session: Int) -> Bool {
        let start = #"{"bankId":"\#(script.bankID)","questionCount":\#(script.questionsPerSession)}"#
        guard
            let envelope: QuizAPI.SessionEnvelope = request(
                .startSession, "POST", "/sessions", body: start, idempotencyKey: "start-\(number)-\(session)", expecting: 201)
        else { return false }
        let id = envelope.sessionId
        // Serving the first question changes the session, and the question carries no version:
        // the first answer goes without `expectedVersion`, every later one with the version the
        // previous answer returned.
        var version: Int?
        guard var question: QuizAPI.Question = request(.question, "GET", "/sessions/\(id)/question", expecting: 200) else { return false }

        for index in 0..<script.answerLimit {
            guard let correct = script.correctChoice[question.questionId] else {
                errors.append("learner \(number): served \(question.questionId), which the bank does not hold")
                return false
            }
            let wrong = question.attempt == 1 && random.next() % 4 == 0
            let choice = wrong ? question.choices.first { $0 != correct } ?? correct : correct
            let expected = version.map { #","expectedVersion":\#($0)"# } ?? ""
            let body = #"{"questionId":"\#(question.questionId)","selectedAnswers":["\#(choice)"]\#(expected)}"#
            guard
                let result: QuizAPI.AnswerResult = request(
                    .answer, "POST", "/sessions/\(id)/answer", body: body, idempotencyKey: "answer-\(number)-\(session)-\(index)",
                    expecting: 200)
            else { return false }
            answers += 1
            if choice != correct { wrongAnswers += 1 }
            if result.correct != (choice == correct) {
                errors.append("learner \(number): \(question.questionId) answered \(choice) was graded correct=\(result.correct)")
                return false
            }
            version = result.version
            if result.nextAction == "SESSION_COMPLETE" {
                sessionsCompleted += 1
                return true
            }
            guard let next = result.question else {
                errors.append("learner \(number): nextAction \(result.nextAction) without a question")
                return false
            }
            question = next
        }
        errors.append("learner \(number): session \(id) was not complete after \(script.answerLimit) answers")
        return false
    }

    /// Sends one request, times it under `route`, and decodes a response with the expected
    /// status; any other status, an undecodable body or no answer at all is an error.
    private mutating func request<Response: JSONReadable>(
        _ route: RouteClass, _ method: String, _ path: String, body: String? = nil, idempotencyKey: String? = nil, expecting status: Int
    ) -> Response? {
        var headers = [(name: "Authorization", value: "Bearer \(token)")]
        if body != nil {
            headers.append((name: "Content-Type", value: "application/json"))
        }
        if let idempotencyKey {
            headers.append((name: "Idempotency-Key", value: idempotencyKey))
        }
        let request = HTTPRequest(
            method: HTTPMethod(rawValue: method), url: "http://127.0.0.1:\(script.port)\(path)", headers: headers,
            body: body.map { Array($0.utf8) } ?? [], keptResponseHeaders: [])
        let clock = ContinuousClock()
        let start = clock.now
        let response: HTTPResponse
        do {
            response = try client.send(request)
        } catch {
            errors.append("learner \(number): \(method) \(path): no answer: \(error)")
            return nil
        }
        latencies[route, default: []].append(start.duration(to: clock.now))
        requests += 1
        guard response.status == status else {
            errors.append("learner \(number): \(method) \(path) answered \(response.status), expected \(status): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
            return nil
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(response.body)
        } catch {
            errors.append("learner \(number): \(method) \(path): not JSON (\(error)): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
            return nil
        }
        guard let decoded = Response(json: json) else {
            errors.append("learner \(number): \(method) \(path): a field it needs is missing: \(String(decoding: response.body.prefix(300), as: UTF8.self))")
            return nil
        }
        return decoded
    }
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a small seeded generator, so a run's wrong
/// answers are the same every time.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
