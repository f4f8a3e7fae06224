import FoundationEssentials
import QuizData
import QuizEngine
import QuizHTTP
import QuizStore

/// The **session** function: start a session, read it back to resume, complete it, abandon it.
public struct SessionFunction: RoutedFunction {
    package enum Route: Sendable, Equatable {
        case start, read, complete, abandon, health
    }

    /// The function's name, in logs and metrics.
    public static let name = "session"

    /// The function's routes (the local runner's and the template's routes are derived from them).
    package static let routes = RouteTable<Route>(
        [
            .init(.post, "/sessions", .start),
            .init(.get, "/sessions/{sessionId}", .read),
            .init(.post, "/sessions/{sessionId}/complete", .complete),
            .init(.post, "/sessions/{sessionId}/abandon", .abandon),
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

    struct Handler: Sendable {
        let environment: QuizEnvironment
        var data: LearnerData { LearnerData(environment) }

        func handle(_ route: Route, _ match: RouteMatch<Route>, _ request: HTTPRequestEvent, _ scope: inout RequestScope) async throws -> HTTPResponseEvent {
            switch route {
            case .health:
                return try await HealthCheck.respond(function: SessionFunction.name, store: environment.store)
            case .start:
                return try await start(request, caller: try request.authenticatedCaller, scope: &scope)
            case .read:
                return try await read(try match.parameters.require("sessionId"), caller: try request.authenticatedCaller, scope: scope)
            case .complete, .abandon:
                return try await end(
                    try match.parameters.require("sessionId"), request, caller: try request.authenticatedCaller, scope: scope,
                    abandon: route == .abandon)
            }
        }

        func start(_ request: HTTPRequestEvent, caller: Caller, scope: inout RequestScope) async throws -> HTTPResponseEvent {
            let start = try SessionStart(try request.decodeJSON(SessionStart.Request.self, limit: environment.settings.maximumBodyBytes))
            guard case .quiz(let options) = start.kind else {
                return try await startFlashcards(start, request, caller: caller, scope: &scope)
            }
            let body = (bankId: start.bankId, category: options.category)

            let idempotency = IdempotencyGuard(environment)
            var random = scope.random
            defer { scope.random = random }
            let now = scope.now
            var tokens = RequestTokens()
            return try await idempotency.run(
                request, userId: caller.userId, scope: scope, holder: tokens.request,
                inProgressMilliseconds: environment.settings.idempotencyInProgressMilliseconds
            ) { claim in
                let candidates = try await sessionCandidates(
                    bankId: body.bankId, category: body.category, mode: options.mode, count: options.questionCount, userId: caller.userId,
                    now: now, using: &random)
                let pool = try await data.poolForStart(of: caller.userId)
                let summary = try await data.poolSummary(of: caller.userId)
                let session = try QuizSession.start(
                    id: RequestScope.newIdentifier(), userId: caller.userId, bankId: body.bankId, candidateQuestionIds: candidates,
                    options: options, pool: pool, now: now, using: &random)
                let response = try HTTPResponseEvent.json(
                    201, SessionEnvelope<ResultsView>(session: SessionView(session, penaltyIndicator: summary.penaltyIndicator, now: now), results: nil),
                    headers: ["location": "/sessions/\(session.id)"])
                let token = tokens.next()
                return try await commitNewSession(
                    data.sessionPlan(session, previous: nil, token: token), token: token, response: response, claim: claim, now: now
                ) { (try? await data.readBack(session.id, of: caller.userId, tokens: tokens))?.ours != nil }
            }
        }

        func read(_ sessionId: String, caller: Caller, scope: RequestScope) async throws -> HTTPResponseEvent {
            let session: QuizSession
            switch try await data.learnerSession(sessionId, of: caller.userId) {
            case .quiz(let stored): session = stored.session
            case .flashcards(let stored): return try FlashcardRoutes(environment: environment).read(stored, now: scope.now)
            }
            let summary = try await data.poolSummary(of: caller.userId)
            return try .json(200, SessionEnvelope<ResultsView>(
                session: SessionView(session, penaltyIndicator: summary.penaltyIndicator, now: scope.now),
                results: session.status.isActive ? nil : ResultsView(session.results)))
        }

        /// `complete` and `abandon`: both end the session, with the results as the request's stored
        /// response in the same transaction; a session found expired is saved as such and refused.
        func end(_ sessionId: String, _ request: HTTPRequestEvent, caller: Caller, scope: RequestScope, abandon: Bool) async throws -> HTTPResponseEvent {
            // A session's mode never changes: a flashcard session is ended by its own rules.
            if case .flashcards = try await data.learnerSession(sessionId, of: caller.userId) {
                return try await FlashcardRoutes(environment: environment).end(sessionId, request, caller: caller, scope: scope, abandon: abandon)
            }
            let now = scope.now
            let idempotency = IdempotencyGuard(environment)
            var tokens = RequestTokens()
            var responses: [String: HTTPResponseEvent] = [:]
            return try await idempotency.run(
                request, userId: caller.userId, scope: scope, holder: tokens.request,
                inProgressMilliseconds: environment.settings.idempotencyInProgressMilliseconds
            ) { claim in
                // Another request may move the session in between (an answer): end it as it is then.
                for _ in 0..<3 {
                    let previous = try await data.session(sessionId, of: caller.userId)
                    var session = previous
                    var refusal: SessionError?
                    do throws(SessionError) {
                        if abandon { try session.abandon(now: now) } else { try session.complete(now: now) }
                    } catch {
                        refusal = error
                    }
                    // A refusal that changed nothing is the caller's answer; one that found the time
                    // up saves the session as expired first.
                    if let refusal, session.version == previous.version { throw refusal }
                    let summary = try await data.poolSummary(of: caller.userId)
                    let response: HTTPResponseEvent
                    if let refusal {
                        response = APIError(refusal).response(requestId: scope.requestId)
                    } else {
                        response = try .json(
                            200, SessionEnvelope(
                                session: SessionView(session, penaltyIndicator: summary.penaltyIndicator, now: now), results: ResultsView(session.results)))
                    }
                    // Ending an ended session again changes nothing: nothing to write but the response.
                    guard session.version != previous.version else { return .answered(response) }
                    let token = tokens.next()
                    responses[token.value] = response
                    let outcome = try await idempotency.commitSessionChange(
                        data.sessionPlan(session, previous: previous, token: token), token: token, response: response, claim: claim,
                        now: now, data: data, responses: responses
                    ) { try await data.readBack(sessionId, of: caller.userId, tokens: tokens).ours }
                    if let outcome { return outcome }
                }
                throw APIError.versionConflict()
            }
        }
    }
}

extension SessionFunction.Handler {
    /// Commits `plan`, the writes of a session that did not exist before, with the completion of
    /// `claim` storing `response`. After a conflict or an unknown outcome, only our own commit,
    /// landed before its reply was lost, can be there (the session's id is new): `landed` reads
    /// back whether it did.
    func commitNewSession(
        _ plan: WritePlan, token: TransactionToken, response: HTTPResponseEvent, claim: IdempotencyGuard.Claim?, now: Int64,
        landed: () async -> Bool
    ) async throws -> RequestOutcome {
        var plan = plan
        if let claim {
            plan.add(IdempotencyGuard(environment).completion(of: claim, response: StoredResponse(response), now: now), as: .idempotency)
        }
        switch try await data.commit(plan, token: token) {
        case .committed:
            return .committed(response)
        case .conflicted, .uncertain:
            if await landed() { return .committed(response) }
            guard claim != nil else { throw DataError.storage(TableError(.backendFailure, "the new session's commit did not land")) }
            return .uncertain(response)
        }
    }
}
