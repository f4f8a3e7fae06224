import QuizData
import QuizEngine
import QuizHTTP
import QuizStore

// Starting `review` and `flashcards` sessions (docs/memory-model.md, "Session modes").

extension SessionFunction.Handler {
    /// The question ids a session of `mode` starts from, in the order it takes them: for `quiz`,
    /// what the bank draws (the session draws its set from them at random); for `review`, the
    /// questions due now, least likely recalled first, then new ones in random order.
    func sessionCandidates(
        bankId: String, category: String?, mode: QuizSession.Mode, userId: String, now: Int64,
        using random: inout SeededRandomGenerator
    ) async throws -> [String] {
        let drawn = try await bankCandidates(bankId: bankId, category: category)
        switch mode {
        case .quiz:
            return drawn
        case .review:
            let states = try await memoryStates(of: userId, bankId: bankId, questionIds: drawn)
            // New questions come in the order given: shuffled, so a review is not the bank's order.
            return ReviewOrder.questionIds(
                candidateIds: drawn.shuffled(using: &random), states: states, now: now, limit: drawn.count)
        }
    }

    /// The one place a session reads which questions of a bank (or category) it may hold.
    func bankCandidates(bankId: String, category: String?) async throws -> [String] {
        try await QuestionBank(environment).questionIds(bankId: bankId, category: category)
    }

    /// The memory states the user has for `questionIds` of `bankId`; a question without one is new.
    func memoryStates(of userId: String, bankId: String, questionIds: [String]) async throws -> [String: MemoryState] {
        // No memory item is stored yet on this branch: every question is new to every learner.
        [:]
    }

    /// `POST /sessions` with `mode: flashcards`: builds the deck from its source, starts the
    /// session on its first card and saves it, under the request's idempotency key.
    func startFlashcards(_ start: SessionStart, _ request: HTTPRequestEvent, caller: Caller, scope: inout RequestScope) async throws -> HTTPResponseEvent {
        guard case .flashcards(let options, let listed) = start.kind else { throw APIError.internalFailure("not a flashcard start") }
        let idempotency = IdempotencyGuard(environment)
        var random = scope.random
        defer { scope.random = random }
        let now = scope.now
        var tokens = RequestTokens()
        return try await idempotency.run(
            request, userId: caller.userId, scope: scope, holder: tokens.request,
            inProgressMilliseconds: environment.settings.idempotencyInProgressMilliseconds
        ) { claim in
            let cards = try await deck(options, bankId: start.bankId, listed: listed, userId: caller.userId, now: now, using: &random)
            let session = try FlashcardSession.start(
                id: RequestScope.newIdentifier(), userId: caller.userId, bankId: start.bankId, options: options, cards: cards, now: now)
            let response = try HTTPResponseEvent.json(
                201, FlashcardEnvelope(session: FlashcardSessionView(session, now: now), results: nil),
                headers: ["location": "/sessions/\(session.id)"])
            let token = tokens.next()
            var plan = data.flashcardPlan(session, previous: nil, token: token)
            if let claim { plan.add(idempotency.completion(of: claim, response: StoredResponse(response), now: now), as: .idempotency) }
            switch try await data.commit(plan, token: token) {
            case .committed:
                return .committed(response)
            case .conflicted, .uncertain:
                // The id is new: only our own commit, landed before its reply was lost, can be there.
                if (try? await data.readBackFlashcards(session.id, of: caller.userId, tokens: tokens))?.ours != nil { return .committed(response) }
                guard claim != nil else { throw DataError.storage(TableError(.backendFailure, "the new session's commit did not land")) }
                return .uncertain(response)
            }
        }
    }

    /// The cards of a new flashcard session, from its source.
    private func deck(
        _ options: FlashcardSession.Options, bankId: String, listed: [String], userId: String, now: Int64,
        using random: inout SeededRandomGenerator
    ) async throws -> [String] {
        switch options.source {
        case .list:
            let held = try await QuestionBank(environment).heldQuestionIds(bankId: bankId, among: listed)
            let missing = listed.enumerated().filter { !held.contains($0.element) }
            guard missing.isEmpty else {
                throw APIError.validationFailed(missing.map { APIError.Detail(field: "questionIds[\($0.offset)]", message: "is not a question of bank \(bankId)") })
            }
            return FlashcardDeck.cards(from: .list, candidateIds: listed, states: [:], count: options.cardCount, now: now, using: &random)
        case .category:
            let candidates = try await bankCandidates(bankId: bankId, category: options.category)
            return FlashcardDeck.cards(from: .category, candidateIds: candidates, states: [:], count: options.cardCount, now: now, using: &random)
        case .due:
            let candidates = try await bankCandidates(bankId: bankId, category: options.category).shuffled(using: &random)
            let states = try await memoryStates(of: userId, bankId: bankId, questionIds: candidates)
            return FlashcardDeck.cards(from: .due, candidateIds: candidates, states: states, count: options.cardCount, now: now, using: &random)
        }
    }
}
