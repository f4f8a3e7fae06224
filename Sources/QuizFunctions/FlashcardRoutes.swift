import FoundationEssentials
import QuizData
import QuizEngine
import QuizHTTP
import QuizStore

/// What the session, quiz and answer functions do for a flashcard session (docs/memory-model.md,
/// "Session modes"): show the front of the card, reveal its back, take the learner's rating,
/// read, complete and abandon the session.
///
/// Every change is one transaction, conditional on the version the session was read at, with the
/// request's idempotency completion, exactly as quiz sessions are saved: the session moves by
/// one version per change, a lost reply is recognised by the session's transaction token, and a
/// second request racing for the same card finds the version moved.
struct FlashcardRoutes: Sendable {
    let environment: QuizEnvironment
    let data: LearnerData
    let bank: QuestionBank
    let idempotency: IdempotencyGuard

    init(environment: QuizEnvironment) {
        self.environment = environment
        data = LearnerData(environment)
        bank = QuestionBank(environment)
        idempotency = IdempotencyGuard(environment)
    }

    /// `POST /sessions/{sessionId}/reveal`: optional `questionId` (the card the client shows) and
    /// `expectedVersion`.
    struct RevealRequest: Decodable {
        var questionId: String?
        var expectedVersion: Int?
    }

    /// A rating, as `POST /sessions/{sessionId}/answer` takes it for a flashcard session.
    struct Rating {
        var questionId: String
        var rating: ReviewRating
        var timeToFlipMs: Int64?
        var expectedVersion: Int?
    }

    // MARK: - Reading

    /// `GET /sessions/{sessionId}/question`: the front of the card shown. Showing a card changes
    /// nothing (the card was chosen by the start or the last rating), so nothing is written.
    func front(_ stored: FlashcardRecord.Stored, now: Int64) async throws -> HTTPResponseEvent {
        let session = stored.session
        guard session.effectiveStatus(now: now).isActive, let current = session.current else {
            throw Self.refusal(for: session, now: now)
        }
        let question = try await bank.require(QuestionRef(bankId: session.bankId, questionId: current.questionId))
        return try .json(200, CardFrontView(session, question: question))
    }

    /// `GET /sessions/{sessionId}` for a flashcard session.
    func read(_ stored: FlashcardRecord.Stored, now: Int64) throws -> HTTPResponseEvent {
        let session = stored.session
        return try .json(200, FlashcardEnvelope(
            session: FlashcardSessionView(session, now: now),
            results: session.effectiveStatus(now: now).isActive ? nil : FlashcardResultsView(session.results)))
    }

    // MARK: - Changing

    /// `POST /sessions/{sessionId}/reveal`.
    func reveal(_ sessionId: String, _ request: HTTPRequestEvent, caller: Caller, scope: RequestScope) async throws -> HTTPResponseEvent {
        let body = try request.decodeJSONIfPresent(RevealRequest.self, limit: environment.settings.maximumBodyBytes)
        var problems: [APIError.Detail] = []
        if let questionId = body?.questionId { Validation.identifier(questionId, field: "questionId", into: &problems) }
        Validation.range(body?.expectedVersion, 1...Int(Int32.max), field: "expectedVersion", into: &problems)
        guard problems.isEmpty else { throw APIError.validationFailed(problems) }
        return try await change(sessionId, request, caller: caller, scope: scope, expectedVersion: body?.expectedVersion) { session, _, _ in
            let reveal = try session.reveal(questionId: body?.questionId, now: scope.now)
            let question = try await bank.require(reveal.card)
            return try .json(200, CardBackView(reveal, question: question))
        }
    }

    /// `POST /sessions/{sessionId}/answer` with a rating: accepted only after the reveal.
    func rate(_ sessionId: String, _ rating: Rating, _ request: HTTPRequestEvent, caller: Caller, scope: RequestScope) async throws -> HTTPResponseEvent {
        // Drawn from only when the schedule is fuzzed (QUIZ_SCHEDULE_FUZZ).
        var random = scope.random
        let quizSession = APIError.validationFailed([
            APIError.Detail(field: "selectedAnswers", message: "is required: this is a quiz session (answer with selectedAnswers)")
        ])
        return try await change(
            sessionId, request, caller: caller, scope: scope, expectedVersion: rating.expectedVersion, whenQuizSession: quizSession
        ) { session, plan, hours in
            let outcome = try session.rate(
                questionId: rating.questionId, rating: rating.rating, timeToFlipMs: rating.timeToFlipMs, now: scope.now)
            // The rating is one review of the card's memory, written in the same transaction
            // (docs/memory-model.md): read now, so a review that lost a race is computed again.
            let card = try await bank.require(outcome.rated)
            let memory = try await data.memoryForReview(of: caller.userId, question: outcome.rated)
            let state = data.addReview(
                memory, rating: outcome.review, at: scope.now, category: card.category, userId: caller.userId,
                fuzz: environment.settings.scheduleFuzz, hours: hours, using: &random, to: &plan)
            var next: CardFrontView?
            var results: FlashcardResultsView?
            switch outcome.next {
            case .show(let ref): next = CardFrontView(session, question: try await bank.require(ref))
            case .complete(let finished): results = FlashcardResultsView(finished)
            }
            let view = RatingView(
                questionId: rating.questionId, rating: rating.rating.name, nextAction: outcome.nextAction.rawValue,
                comesBackAfter: outcome.comesBackAfter, timeToFlipMs: outcome.timeToFlipMs, question: next,
                message: Self.message(for: outcome), version: session.version,
                progress: RatingView.Progress(
                    cardCount: session.cardCount, learnedCount: session.learned.count,
                    remainingCount: session.cardCount - session.learned.count, reviews: session.ratings.total),
                results: results, memory: MemoryView(ref: outcome.rated, category: card.category, state: state, now: scope.now))
            return try .json(200, view)
        }
    }

    /// `POST /sessions/{sessionId}/complete` and `/abandon` for a flashcard session.
    func end(_ sessionId: String, _ request: HTTPRequestEvent, caller: Caller, scope: RequestScope, abandon: Bool) async throws -> HTTPResponseEvent {
        try await change(sessionId, request, caller: caller, scope: scope, expectedVersion: nil) { session, _, _ in
            if abandon { try session.abandon(now: scope.now) } else { try session.complete(now: scope.now) }
            return try .json(200, FlashcardEnvelope(
                session: FlashcardSessionView(session, now: scope.now), results: FlashcardResultsView(session.results)))
        }
    }

    /// Runs `apply` on the caller's flashcard session under the request's idempotency key and
    /// saves what it changed, with the response, in one transaction.
    ///
    /// `apply` returns the response and may add writes of its own to the plan (a rating's
    /// review, given what earlier attempts learned about the due hours it leaves); when it
    /// changes nothing (a repeated reveal, completing a completed session) only the response is
    /// stored. A refusal that found the time up saves
    /// the session as `expired` with the refusal as the stored response. When another request
    /// moved the session in between, `apply` runs again on what it left (and usually refuses:
    /// the card moved on).
    private func change(
        _ sessionId: String, _ request: HTTPRequestEvent, caller: Caller, scope: RequestScope, expectedVersion: Int?,
        whenQuizSession: APIError = .validationFailed([APIError.Detail(field: "mode", message: "this route is for flashcard sessions; the session is a quiz session")]),
        _ apply: (inout FlashcardSession, inout WritePlan, HourBucketHints) async throws -> HTTPResponseEvent
    ) async throws -> HTTPResponseEvent {
        var tokens = RequestTokens()
        var responses: [String: HTTPResponseEvent] = [:]
        var hours = HourBucketHints()
        return try await idempotency.run(
            request, userId: caller.userId, scope: scope, holder: tokens.request,
            inProgressMilliseconds: environment.settings.idempotencyInProgressMilliseconds
        ) { claim in
            for _ in 0..<RequestOutcome.attemptLimit {
                let previous: FlashcardSession
                do {
                    previous = try await data.flashcardSession(sessionId, of: caller.userId).session
                } catch let error as DataError where error.code == .sessionModeMismatch {
                    throw whenQuizSession
                }
                if let expectedVersion, expectedVersion != previous.version {
                    throw APIError.versionConflict("The session is at version \(previous.version), not \(expectedVersion); reload it.")
                }
                var session = previous
                var plan = WritePlan()
                let response: HTTPResponseEvent
                do {
                    response = try await apply(&session, &plan, hours)
                } catch let error as FlashcardError where error.code == .expired && session.version != previous.version {
                    // The time ran out just now: the session is saved as expired, with the refusal
                    // (and nothing else the request meant to write).
                    response = APIError(error).response(requestId: scope.requestId)
                    plan = WritePlan()
                }
                guard session.version != previous.version else { return .answered(response) }
                let token = tokens.next()
                responses[token.value] = response
                data.addFlashcardSession(session, previous: previous, token: token, to: &plan)
                let outcome = try await idempotency.commitSessionChange(
                    plan, token: token, response: response, claim: claim, now: scope.now, data: data, responses: responses,
                    conflicted: { hours.learn(from: $0, in: $1) }
                ) { try await data.readBackFlashcards(sessionId, of: caller.userId, tokens: tokens).ours }
                if let outcome { return outcome }
            }
            throw APIError.versionConflict()
        }
    }

    // MARK: - Words

    /// Why a flashcard session that shows no card cannot take the request.
    static func refusal(for session: FlashcardSession, now: Int64) -> APIError {
        switch session.effectiveStatus(now: now) {
        case .expired: .sessionExpired()
        case .completed, .abandoned: .sessionNotActive("The session is \(session.status.rawValue).")
        case .started, .inProgress: .sessionNotActive("The session has no card to show.")
        }
    }

    static func message(for outcome: FlashcardOutcome) -> String {
        switch (outcome.next, outcome.comesBackAfter) {
        case (.complete, _): "Every card is learned. Session complete!"
        case (.show, .some(let after)) where after > 0: "This card comes back after \(after) more card\(after == 1 ? "" : "s")."
        case (.show, .some): "This card comes back next: it is the last one left."
        case (.show, .none): "Next card."
        }
    }
}

/// A flashcard session with its results once it has ended.
struct FlashcardEnvelope: Encodable, Sendable {
    var session: FlashcardSessionView
    var results: FlashcardResultsView?
}
