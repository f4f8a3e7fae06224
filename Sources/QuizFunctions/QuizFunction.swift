import FoundationEssentials
import QuestionImport
import QuizData
import QuizEngine
import QuizHTTP
import QuizStore

/// The **quiz** function: serve the current question of a session (the front of the card, in a
/// flashcard session), reveal a card's back, import questions into a bank (authors only), list a bank.
public struct QuizFunction: RoutedFunction {
    package enum Route: Sendable {
        case currentQuestion, reveal, importQuestions, listQuestions, health
    }

    /// The function's name, in logs and metrics.
    public static let name = "quiz"

    /// The function's routes (the local runner's and the template's routes are derived from them).
    package static let routes = RouteTable<Route>(
        [
            .init(.get, "/sessions/{sessionId}/question", .currentQuestion),
            .init(.post, "/sessions/{sessionId}/reveal", .reveal),
            .init(.post, "/banks/{bankId}/questions", .importQuestions),
            .init(.get, "/banks/{bankId}/questions", .listQuestions),
        ], health: .health)

    package let edge: FunctionEdge<Route>

    /// The function over an environment built at start.
    public init(environment: QuizEnvironment) {
        let router = Self.routes.router
        let handler = Handler(environment: environment)
        edge = FunctionEdge(function: Self.name, environment: environment, router: router) { route, match, request, scope in
            try await handler.handle(route, match, request, &scope)
        }
    }

    /// A bank question in a listing; authors also see what makes it correct.
    struct BankQuestionView: Encodable, Sendable {
        var id: String
        var category: String?
        var text: String
        var answers: [QuestionView.Choice]
        var multiSelect: Bool
        var source: String?
        var correctAnswers: [String]?
        var explanation: String?

        init(_ question: Question, revealAnswers: Bool) {
            id = question.id
            category = question.category
            text = question.text
            answers = question.answers.map { QuestionView.Choice(id: $0.id, text: $0.text) }
            multiSelect = question.multiSelect
            source = question.source
            correctAnswers = revealAnswers ? question.correctAnswers : nil
            explanation = revealAnswers ? question.explanation : nil
        }
    }

    struct ListView: Encodable, Sendable {
        var bankId: String
        var questions: [BankQuestionView]
        var nextCursor: String?
    }

    struct ImportView: Encodable, Sendable {
        var bankId: String
        var format: String
        var imported: Int
        var created: Int
        var replaced: Int
    }

    struct Handler: Sendable {
        let environment: QuizEnvironment
        var data: LearnerData { LearnerData(environment) }
        var bank: QuestionBank { QuestionBank(environment) }

        func handle(_ route: Route, _ match: RouteMatch<Route>, _ request: HTTPRequestEvent, _ scope: inout RequestScope) async throws -> HTTPResponseEvent {
            switch route {
            case .health:
                return try await HealthCheck.respond(function: QuizFunction.name, store: environment.store)
            case .currentQuestion:
                return try await currentQuestion(try match.parameters.require("sessionId"), caller: try request.authenticatedCaller, scope: &scope)
            case .reveal:
                return try await FlashcardRoutes(environment: environment).reveal(
                    try match.parameters.require("sessionId"), request, caller: try request.authenticatedCaller, scope: scope)
            case .importQuestions:
                return try await importQuestions(try match.parameters.require("bankId"), request, caller: try request.authenticatedCaller, scope: scope)
            case .listQuestions:
                return try await list(try match.parameters.require("bankId"), request, caller: try request.authenticatedCaller)
            }
        }

        /// The question being served, serving the next one first when the session has only picked it.
        /// Serving fixes the choice order, so it is saved before it is shown: every later read,
        /// on any worker, shows the same order. The view carries the session's version with the
        /// question served, for the client's `expectedVersion`.
        func currentQuestion(_ sessionId: String, caller: Caller, scope: inout RequestScope) async throws -> HTTPResponseEvent {
            var tokens = RequestTokens()
            var views: [String: QuestionView] = [:]
            // Two readers may race to serve the same pick; the loser reads the winner's serving.
            for _ in 0..<3 {
                let stored: SessionRecord.Stored
                switch try await data.learnerSession(sessionId, of: caller.userId) {
                case .quiz(let quiz): stored = quiz
                case .flashcards(let cards): return try await FlashcardRoutes(environment: environment).front(cards, now: scope.now)
                }
                let previous = stored.session
                if let served = previous.currentQuestion, previous.effectiveStatus(now: scope.now).isActive {
                    let question: Question
                    if let copy = stored.servedQuestion { question = copy } else { question = try await bank.require(served.ref) }
                    return try .json(200, QuestionView(served, question: question, version: previous.version))
                }
                let unserved = APIError.sessionNotActive("The session has no question to serve.")
                guard let pending = previous.pendingQuestion, previous.status.isActive else {
                    throw Refusal.forUnserved(try await data.settleUnserved(previous, now: scope.now, tokens: &tokens).session, whenActive: unserved)
                }
                let question = try await bank.require(pending.ref)
                var session = previous
                let served: ServedQuestion
                do {
                    served = try session.serve(question, now: scope.now, using: &scope.random)
                } catch {
                    guard error.code == .expired else { throw error }
                    throw Refusal.forUnserved(try await data.settleUnserved(previous, now: scope.now, tokens: &tokens).session, whenActive: unserved)
                }
                let view = QuestionView(served, question: question, version: session.version)
                let token = tokens.next()
                views[token.value] = view
                switch try await data.commit(data.sessionPlan(session, previous: previous, serving: question, token: token), token: token) {
                case .committed:
                    return try .json(200, view)
                case .conflicted, .uncertain:
                    // Another reader served the pick first, or this save's outcome is unknown: if
                    // one of our own servings landed, it is the one to show; otherwise read again.
                    let (_, ours) = try await data.readBack(sessionId, of: caller.userId, tokens: tokens)
                    if let ours, let landed = views[ours] { return try .json(200, landed) }
                }
            }
            throw APIError.versionConflict()
        }

        func importQuestions(_ bankId: String, _ request: HTTPRequestEvent, caller: Caller, scope: RequestScope) async throws -> HTTPResponseEvent {
            guard caller.isMember(of: environment.settings.authorGroup) else {
                throw APIError.forbidden("Only members of '\(environment.settings.authorGroup)' may import questions.")
            }
            let body = try request.body(limit: environment.settings.maximumImportBytes)
            let now = scope.now
            let idempotency = IdempotencyGuard(environment)
            var tokens = RequestTokens()
            return try await idempotency.run(
                request, userId: caller.userId, scope: scope, holder: tokens.request,
                inProgressMilliseconds: environment.settings.idempotencyInProgressMilliseconds
            ) { claim in
                let result: ImportResult
                do throws(ImportError) {
                    result = try QuestionImporter().importQuestions(from: body, contentType: request.headers["content-type"])
                } catch {
                    throw Self.apiError(error, contentType: request.headers["content-type"])
                }
                func response(_ counts: ImportCounts) throws -> HTTPResponseEvent {
                    try .json(201, ImportView(
                        bankId: bankId, format: result.format.rawValue, imported: result.questions.count, created: counts.created,
                        replaced: counts.replaced))
                }
                // The response, with the final counts, is stored in the import's last transaction.
                let outcome = try await bank.importQuestions(result.questions, into: bankId, now: now, tokens: &tokens) { counts in
                    try claim.map { idempotency.completion(of: $0, response: StoredResponse(try response(counts)), now: now) }
                }
                switch outcome {
                case .committed(let counts): return claim == nil ? .answered(try response(counts)) : .committed(try response(counts))
                case .uncertain(let counts): return .uncertain(try response(counts))
                }
            }
        }

        static func apiError(_ error: ImportError, contentType: String?) -> APIError {
            let details = error.rows.prefix(100).map { APIError.Detail(field: $0.field, row: $0.row, message: $0.message) }
            var message = error.message
            let unlisted = error.rows.count - details.count + error.unlistedRowErrorCount
            if unlisted > 0 { message += " (\(unlisted) more problems not listed)" }
            switch error.code {
            case .unsupportedFormat:
                return .unsupportedMediaType(contentType ?? "", supported: ImportFormat.allCases.flatMap(\.mediaTypes))
            case .emptyUpload, .malformedDocument:
                return .badRequest(message, details: Array(details))
            case .invalidRows:
                return .validationFailed(Array(details), message: message)
            case .tooManyQuestions:
                return APIError(.payloadTooLarge, message)
            }
        }

        func list(_ bankId: String, _ request: HTTPRequestEvent, caller: Caller) async throws -> HTTPResponseEvent {
            let category = try request.query.single("category")
            if let category {
                var problems: [APIError.Detail] = []
                Validation.identifier(category, field: "category", maximumLength: 64, into: &problems)
                guard problems.isEmpty else { throw APIError.badRequest("category is not a valid category name", details: problems) }
            }
            let limit = try request.query.int("limit", in: 1...100) ?? 20
            let cursor = try request.query.single("cursor").map(Cursor.init(token:))
            let page = try await bank.list(bankId: bankId, category: category, limit: limit, cursor: cursor)
            let reveal = caller.isMember(of: environment.settings.authorGroup)
            return try .json(200, ListView(
                bankId: bankId, questions: page.questions.map { BankQuestionView($0, revealAnswers: reveal) },
                nextCursor: page.next?.token))
        }
    }
}
