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
        bankId: String, category: String?, mode: QuizSession.Mode, count: Int, userId: String, now: Int64,
        using random: inout SeededRandomGenerator
    ) async throws -> [String] {
        switch mode {
        case .quiz:
            // Reads proportional to the questions drawn, whatever the bank's size (docs/data-layer.md, "Drawing a session").
            return try await QuestionBank(environment).draw(bankId: bankId, category: category, count: count, using: &random)
        case .review:
            let review = try await reviewCandidates(bankId: bankId, category: category, count: count, userId: userId, now: now, using: &random)
            return ReviewOrder.questionIds(candidateIds: review.ids, states: review.states, now: now, limit: count)
        }
    }

    /// What a review of `count` questions chooses from: the learner's questions of the bank (and
    /// category) due at `now`, at most `count`, read from the due index (bounded by what is due,
    /// not by the learner's history), with their memory; then, when fewer are due, questions the
    /// learner has never reviewed, drawn at random from the bank and checked a hundred at a time.
    /// Questions reviewed and not yet due are in neither part.
    ///
    /// The new questions come from random samples of the bank that grow from a few times the
    /// number wanted (`newQuestionSamples`), never from the bank's whole index: what a start reads
    /// is bounded by the count asked for, whatever the bank's size. A learner who has met nearly
    /// every question of a large bank may get fewer new questions than asked (those left are
    /// found by later starts, each a fresh sample); one who has met all of a bank no larger than
    /// the last sample gets exactly none, as every question is checked.
    func reviewCandidates(
        bankId: String, category: String?, count: Int, userId: String, now: Int64, using random: inout SeededRandomGenerator
    ) async throws -> (ids: [String], states: [String: MemoryState]) {
        let due = try await data.dueMemory(of: userId, bankId: bankId, category: category, now: now, limit: count)
        var ids = due.map(\.ref.questionId)
        var states: [String: MemoryState] = [:]
        for stored in due { states[stored.ref.questionId] = stored.state }
        let wanted = count - ids.count
        guard wanted > 0 else { return (ids, states) }
        var fresh: [String] = []
        var checked = Set<String>()
        let bank = QuestionBank(environment)
        for size in Self.newQuestionSamples(wanted: wanted) {
            let sample = try await bank.draw(bankId: bankId, category: category, count: size, using: &random)
            let unchecked = sample.filter { checked.insert($0).inserted }
            fresh += try await unseen(of: userId, bankId: bankId, among: unchecked, wanted: wanted - fresh.count)
            // The whole bank (or category) was in this sample: there is nothing more to find.
            if fresh.count >= wanted || sample.count < size { break }
        }
        ids += fresh.prefix(wanted)
        return (ids, states)
    }

    /// The sizes of the samples a review start draws new questions from, in turn, until it has
    /// the `wanted` ones: 4 times the number wanted (at least a batch), then 4 and 16 times that.
    /// The third is reached only by a learner who has met most of the bank.
    static func newQuestionSamples(wanted: Int) -> [Int] {
        let first = max(wanted * 4, memoryBatch)
        return [first, first * 4, first * 16]
    }

    /// The first `wanted` of `candidates` (in their order) that the learner has no memory of,
    /// checked a batch at a time.
    private func unseen(of userId: String, bankId: String, among candidates: [String], wanted: Int) async throws -> [String] {
        var fresh: [String] = []
        var start = 0
        while fresh.count < wanted, start < candidates.count {
            let chunk = candidates[start..<min(start + Self.memoryBatch, candidates.count)]
            let tracked = try await data.memoryStates(of: userId, questions: chunk.map { QuestionRef(bankId: bankId, questionId: $0) })
            fresh += chunk.filter { tracked[QuestionRef(bankId: bankId, questionId: $0)] == nil }
            start += Self.memoryBatch
        }
        return fresh
    }

    /// How many memory items one batch read asks for (DynamoDB's `BatchGetItem` takes 100 keys).
    static let memoryBatch = 100

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
            return try await commitNewSession(
                data.flashcardPlan(session, previous: nil, token: token), token: token, response: response, claim: claim, now: now
            ) { (try? await data.readBackFlashcards(session.id, of: caller.userId, tokens: tokens))?.ours != nil }
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
            let candidates = try await QuestionBank(environment).draw(
                bankId: bankId, category: options.category, count: options.cardCount, using: &random)
            return FlashcardDeck.cards(from: .category, candidateIds: candidates, states: [:], count: options.cardCount, now: now, using: &random)
        case .due:
            let review = try await reviewCandidates(
                bankId: bankId, category: options.category, count: options.cardCount, userId: userId, now: now, using: &random)
            return FlashcardDeck.cards(
                from: .due, candidateIds: review.ids, states: review.states, count: options.cardCount, now: now, using: &random)
        }
    }
}
