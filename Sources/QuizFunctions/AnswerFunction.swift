import FoundationEssentials
import QuizData
import QuizEngine
import QuizHTTP
import QuizStore

/// The **answer** function: grade an answer, apply the adaptive rules, and serve what comes next.
///
/// One answer is one transaction: the session (conditional on the version it was read at), the
/// pool entry it changed (conditional on the entry's own version, or on being new), the progress
/// and pool counters and the idempotency record are written together or not at all
/// (docs/idempotency.md). Two answers racing for one served question therefore cannot both apply: the second finds
/// the version moved and gets 409.
public struct AnswerFunction: RoutedFunction {
    package enum Route: Sendable {
        case answer, health
    }

    /// The function's name, in logs and metrics.
    public static let name = "answer"

    /// The function's routes (the local runner's and the template's routes are derived from them).
    package static let routes = RouteTable<Route>(
        [
            .init(.post, "/sessions/{sessionId}/answer", .answer),
        ], health: .health)

    package let edge: FunctionEdge<Route>

    /// The function over an environment built at start.
    public init(environment: QuizEnvironment) {
        let router = Self.routes.router
        let handler = Handler(environment: environment)
        edge = FunctionEdge(function: Self.name, environment: environment, router: router) { route, match, request, scope in
            switch route {
            case .health:
                return try await HealthCheck.respond(function: AnswerFunction.name, store: environment.store)
            case .answer:
                return try await handler.answer(
                    try match.parameters.require("sessionId"), request, caller: try request.authenticatedCaller, scope: &scope)
            }
        }
    }

    /// `POST /sessions/{sessionId}/answer`.
    ///
    /// A quiz or review session takes `selectedAnswers`; a flashcard session takes `rating` or
    /// `confidence` (and `timeToFlipMs`) instead (docs/memory-model.md, "Session modes").
    struct AnswerRequest: Decodable {
        var questionId: String
        var selectedAnswers: [String]?
        var timeSpentMs: Int?
        var expectedVersion: Int?
        var rating: String?
        var confidence: Int?
        var timeToFlipMs: Int?
    }

    struct Handler: Sendable {
        let environment: QuizEnvironment
        // Built once with the handler: every answer uses them several times, and building them
        // anew each time copied the environment's store, tables and settings over and over.
        // The flashcard routes hold the same three; ratings go to them.
        let flashcards: FlashcardRoutes
        var data: LearnerData { flashcards.data }
        var bank: QuestionBank { flashcards.bank }
        var idempotency: IdempotencyGuard { flashcards.idempotency }

        init(environment: QuizEnvironment) {
            self.environment = environment
            flashcards = FlashcardRoutes(environment: environment)
        }

        func answer(_ sessionId: String, _ request: HTTPRequestEvent, caller: Caller, scope: inout RequestScope) async throws -> HTTPResponseEvent {
            let body = try request.decodeJSON(AnswerRequest.self, limit: environment.settings.maximumBodyBytes)
            if body.selectedAnswers == nil, body.rating != nil || body.confidence != nil {
                return try await rate(sessionId, body, request, caller: caller, scope: scope)
            }
            var problems: [APIError.Detail] = []
            Validation.identifier(body.questionId, field: "questionId", into: &problems)
            let selectedAnswers = body.selectedAnswers ?? []
            if body.selectedAnswers == nil {
                problems.append(APIError.Detail(
                    field: "selectedAnswers", message: "is required (a flashcard session takes rating or confidence instead)"))
            } else if selectedAnswers.isEmpty || selectedAnswers.count > 12 {
                problems.append(APIError.Detail(field: "selectedAnswers", message: "must hold 1 to 12 answer ids"))
            }
            for (field, present) in [("rating", body.rating != nil), ("confidence", body.confidence != nil), ("timeToFlipMs", body.timeToFlipMs != nil)]
            where present {
                problems.append(APIError.Detail(field: field, message: "is only used by flashcard sessions, not with selectedAnswers"))
            }
            // The same rule the import applies to a choice's id (docs/http-contract.md#identifiers).
            for (index, id) in selectedAnswers.enumerated() where Identifier.problem(with: id, as: .choice) != nil {
                problems.append(APIError.Detail(field: "selectedAnswers[\(index)]", message: "must be 1 to 32 bytes of UTF-8 without control characters"))
            }
            Validation.range(body.timeSpentMs, 0...86_400_000, field: "timeSpentMs", into: &problems)
            Validation.range(body.expectedVersion, 1...Int(Int32.max), field: "expectedVersion", into: &problems)
            guard problems.isEmpty else { throw APIError.validationFailed(problems) }

            var random = scope.random
            defer { scope.random = random }
            var attempts = Attempts()
            return try await idempotency.run(
                request, userId: caller.userId, scope: scope, holder: attempts.tokens.request,
                inProgressMilliseconds: environment.settings.idempotencyInProgressMilliseconds
            ) { claim in
                for _ in 0..<RequestOutcome.attemptLimit {
                    do {
                        if let outcome = try await attempt(
                            body, selectedAnswers, sessionId: sessionId, userId: caller.userId, claim: claim, scope: scope, random: &random,
                            attempts: &attempts)
                        {
                            return outcome
                        }
                    } catch let error as DataError where error.code == .sessionModeMismatch {
                        throw APIError.validationFailed([
                            APIError.Detail(field: "rating", message: "is required: this is a flashcard session (rate the card with rating or confidence)")
                        ])
                    }
                }
                throw APIError.versionConflict("Your wrong-answer pool kept changing under this answer; submit it again.")
            }
        }

        /// What the attempts of one answer remember: their tokens, and the response each would give.
        struct Attempts {
            var tokens = RequestTokens()
            /// Each attempt's token and response, in order (a handful at most).
            var responses: [(token: String, response: HTTPResponseEvent)] = []
            /// The due-hour buckets an attempt found holding only the answered question.
            var hours = HourBucketHints()

            func response(of token: String) -> HTTPResponseEvent? {
                responses.first { $0.token == token }?.response
            }
        }

        /// One try at an answer; `nil` when the answer should be computed again.
        private func attempt(
            _ body: AnswerRequest, _ selectedAnswers: [String], sessionId: String, userId: String, claim: IdempotencyGuard.Claim?, scope: RequestScope,
            random: inout SeededRandomGenerator, attempts: inout Attempts
        ) async throws -> RequestOutcome? {
            let now = scope.now
            let stored = try await data.storedSession(sessionId, of: userId)
            let previous = stored.session
            if let expected = body.expectedVersion, expected != previous.version {
                throw APIError.versionConflict("The session is at version \(previous.version), not \(expected); reload it.")
            }
            guard let served = previous.currentQuestion, previous.status.isActive else {
                let stale = APIError.staleQuestion("Question \(body.questionId) is not being served; fetch the current question.")
                return try await refuseUnserved(previous, whenActive: stale, claim: claim, scope: scope, attempts: &attempts)
            }
            // The question as it was served, kept in the session's item: no read of the bank.
            let current: Question
            if let copy = stored.servedQuestion { current = copy } else { current = try await bank.require(served.ref) }
            let read = try await data.poolForAnswer(of: userId, answering: served.ref, in: previous)

            var session = previous
            var pool = read.pool
            let outcome: AnswerOutcome
            do {
                outcome = try session.answer(
                    questionId: body.questionId, selectedAnswers: selectedAnswers, question: current, pool: &pool, now: now,
                    using: &random)
            } catch {
                guard error.code == .expired else { throw error }
                // An answer after the time limit marks the session expired: save that with the refusal.
                return try await refuseUnserved(previous, whenActive: APIError(error), claim: claim, scope: scope, attempts: &attempts)
            }

            var next: QuestionView?
            var serving: Question?
            if case .serve(let picked) = outcome.next {
                let question = try await bank.require(picked.ref)
                next = QuestionView(try session.serve(question, now: now, using: &random), question: question, version: session.version)
                serving = question
            } else if case .retry(let retry) = outcome.next {
                next = QuestionView(retry, question: current, version: session.version)
                serving = current
            }

            var results: ResultsView?
            if case .complete(let finished) = outcome.next { results = ResultsView(finished) }

            let token = attempts.tokens.next()
            var plan = data.answerPlan(session, previous: previous, outcome: outcome, read: read, serving: serving, token: token)
            // Exactly one review per serving, at its first try (docs/memory-model.md): a retry
            // leaves the memory as it is and shows it as it is.
            var memory = read.memory.state
            var memoryCategory = read.memory.stored?.category
            if let rating = outcome.review {
                memory = data.addReview(
                    read.memory, rating: rating, at: now, category: current.category, userId: userId,
                    fuzz: environment.settings.scheduleFuzz, hours: attempts.hours, using: &random, to: &plan)
                memoryCategory = current.category
            }
            // The partial pool's own indicator would count only the entries read: the counters know them all.
            var summary = read.summary
            summary.apply(outcome.poolChange, stored: read.answered?.entry)
            let view = AnswerView(
                correct: outcome.correct, nextAction: outcome.nextAction.rawValue, penaltyIndicator: summary.penaltyIndicator,
                question: next, message: Self.message(for: outcome),
                explanation: outcome.correct ? current.explanation : nil, version: session.version,
                progress: AnswerView.Progress(
                    questionCount: session.questionCount, completedCount: session.doneCount,
                    remainingCount: session.questionCount - session.doneCount, answersSubmitted: session.totalAttempts,
                    correctFirstTry: session.correctFirstTry, poolSize: summary.size),
                results: results, memory: MemoryView(ref: served.ref, category: memoryCategory, state: memory, now: now))
            let response = try HTTPResponseEvent.json(200, view)

            attempts.responses.append((token.value, response))
            if let claim { plan.add(idempotency.completion(of: claim, response: StoredResponse(response), now: now), as: .idempotency) }
            let failed: Set<WritePlan.Part>
            switch try await data.commit(plan, token: token) {
            case .committed:
                return .committed(response)
            case .conflicted(let parts) where !parts.contains(.session) && !parts.contains(.idempotency):
                // Only the pool or the question's memory moved (another session of this user
                // answered at the same moment), or the due hour the question leaves holds it
                // alone: grade again against them.
                attempts.hours.learn(from: parts, in: plan)
                guard parts.contains(.poolEntry) || parts.contains(.memory) || HourBucketHints.concerns(parts) else { throw DataError.conflict() }
                return nil
            case .conflicted(let parts):
                failed = parts
            case .uncertain:
                failed = []
            }
            // The session moved, or this commit's outcome is unknown: did one of our own attempts land?
            let (latest, ours) = try await data.readBack(sessionId, of: userId, tokens: attempts.tokens)
            if let ours, let landed = attempts.response(of: ours) { return .committed(landed) }
            // Our claim on the key is no longer held as we left it: the record says what happened.
            if failed.contains(.idempotency) { return .uncertain(response) }
            if failed.isEmpty { return nil }
            if latest.session.currentQuestion?.questionId != body.questionId {
                throw APIError.staleQuestion("Question \(body.questionId) was answered by another request; fetch the current question.")
            }
            throw APIError.versionConflict("The session changed while this answer was being graded; submit it again.")
        }

        /// The refusal of an answer to a session that serves nothing (it ended, or its time is up).
        /// A session whose time ran out just now is saved as expired, with the refusal as the
        /// request's stored response in the same transaction.
        private func refuseUnserved(
            _ previous: QuizSession, whenActive: APIError, claim: IdempotencyGuard.Claim?, scope: RequestScope, attempts: inout Attempts
        ) async throws -> RequestOutcome {
            var expired = previous
            guard expired.status.isActive, expired.sweep(now: scope.now, idleLimitSeconds: .max) != nil else {
                throw Refusal.forUnserved(previous, whenActive: whenActive)
            }
            let refusal = Refusal.forUnserved(expired, whenActive: whenActive).response(requestId: scope.requestId)
            let completion = claim.map { idempotency.completion(of: $0, response: StoredResponse(refusal), now: scope.now) }
            let settled = try await data.settleUnserved(previous, now: scope.now, completion: completion, tokens: &attempts.tokens)
            guard settled.saved else { throw Refusal.forUnserved(settled.session, whenActive: whenActive) }
            return .committed(refusal)
        }

        /// A flashcard rating: checked here, applied by `FlashcardRoutes`.
        private func rate(_ sessionId: String, _ body: AnswerRequest, _ request: HTTPRequestEvent, caller: Caller, scope: RequestScope) async throws -> HTTPResponseEvent {
            var problems: [APIError.Detail] = []
            Validation.identifier(body.questionId, field: "questionId", into: &problems)
            var rating: ReviewRating?
            switch (body.rating, body.confidence) {
            case (.some, .some):
                problems.append(APIError.Detail(field: "confidence", message: "send rating or confidence, not both"))
            case (.some(let name), nil):
                rating = ReviewRating(name: name)
                if rating == nil { problems.append(APIError.Detail(field: "rating", message: "must be one of again, hard, good, easy")) }
            case (nil, .some(let confidence)):
                rating = try? ReviewRating(confidence: confidence)
                if rating == nil { problems.append(APIError.Detail(field: "confidence", message: "must be between 1 and 5")) }
            case (nil, nil):
                break
            }
            Validation.range(body.timeToFlipMs, 0...86_400_000, field: "timeToFlipMs", into: &problems)
            Validation.range(body.timeSpentMs, 0...86_400_000, field: "timeSpentMs", into: &problems)
            Validation.range(body.expectedVersion, 1...Int(Int32.max), field: "expectedVersion", into: &problems)
            guard problems.isEmpty, let rating else { throw APIError.validationFailed(problems) }
            let checked = FlashcardRoutes.Rating(
                questionId: body.questionId, rating: rating, timeToFlipMs: body.timeToFlipMs.map(Int64.init),
                expectedVersion: body.expectedVersion)
            return try await flashcards.rate(sessionId, checked, request, caller: caller, scope: scope)
        }

        static func message(for outcome: AnswerOutcome) -> String {
            switch outcome.nextAction {
            case .retrySameQuestion: "Not quite. Try this question again: the choices have been reshuffled."
            case .nextQuestion where outcome.firstTry: "Correct!"
            case .nextQuestion: "Correct. This question will come back for review until you get it right twice in a row."
            case .sessionComplete: "Correct. Session complete!"
            }
        }
    }
}

extension AnswerFunction.AnswerRequest: FastJSONDecodable {
    /// A well-formed answer read without `JSONDecoder`; anything else decodes the usual way.
    init?(fastJSON json: FastObject) {
        do throws(FastObject.Miss) {
            guard let questionId = try json.string("questionId"), let selectedAnswers = try json.strings("selectedAnswers") else {
                return nil
            }
            self.init(
                questionId: questionId, selectedAnswers: selectedAnswers, timeSpentMs: try json.integer("timeSpentMs"),
                expectedVersion: try json.integer("expectedVersion"), rating: try json.string("rating"),
                confidence: try json.integer("confidence"), timeToFlipMs: try json.integer("timeToFlipMs"))
        } catch {
            return nil
        }
    }
}
