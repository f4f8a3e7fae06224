import Foundation
import QuizEngine
import Testing

@Suite struct FlashcardSessionTests {
    static let start = Fixture.startTime

    static func session(_ cards: [String], timeLimitSeconds: Int = 1800) throws -> FlashcardSession {
        try FlashcardSession.start(
            id: "f-1", userId: "user-1", bankId: Fixture.bankId,
            options: FlashcardSession.Options(source: .list, cardCount: cards.count, timeLimitSeconds: timeLimitSeconds),
            cards: cards, now: start
        )
    }

    /// Reveals the card shown a second after `now` and rates it a second later.
    @discardableResult
    static func flip(
        _ session: inout FlashcardSession, _ rating: ReviewRating, now: inout EpochMilliseconds
    ) throws -> FlashcardOutcome {
        let card = try #require(session.current?.questionId)
        now += 1000
        _ = try session.reveal(questionId: card, now: now)
        now += 1000
        return try session.rate(questionId: card, rating: rating, now: now)
    }

    // MARK: - Starting

    @Test func aSessionStartsShowingTheFirstCard() throws {
        let session = try Self.session(["q-1", "q-2", "q-1", "q-3"])
        #expect(session.cardIds == ["q-1", "q-2", "q-3"])
        #expect(session.current == FlashcardServing(questionId: "q-1", shownAt: Self.start))
        #expect(session.upcoming == ["q-2", "q-3"])
        #expect(session.status == .started)
        #expect(session.version == 1)
        #expect(session.expiresAt == Self.start + 1_800_000)
        #expect(session.timeRemainingSeconds(now: Self.start + 1) == 1800)
    }

    @Test func aSessionWithoutCardsIsRefused() {
        #expect(throws: FlashcardError.noCards) { try Self.session([]) }
    }

    // MARK: - Reveal

    @Test func aRevealRecordsTheTimeToFlipOnce() throws {
        var session = try Self.session(["q-1", "q-2"])
        let reveal = try session.reveal(now: Self.start + 4200)
        #expect(reveal == FlashcardReveal(card: Fixture.ref("q-1"), timeToFlipMs: 4200, version: 2))
        #expect(session.current?.revealedAt == Self.start + 4200)
        // Revealed again (a retried request): the first reveal stands, nothing changes.
        let before = session
        let again = try session.reveal(questionId: "q-1", now: Self.start + 9000)
        #expect(again == reveal)
        #expect(session == before)
        #expect(session.status == .started, "a reveal is not a rating")
    }

    @Test func aRevealOfAnotherCardIsStale() throws {
        var session = try Self.session(["q-1", "q-2"])
        let before = session
        #expect(throws: FlashcardError(.staleCard, "")) { try session.reveal(questionId: "q-2", now: Self.start + 1) }
        #expect(session == before)
    }

    // MARK: - Rating

    @Test func aRatingBeforeTheRevealIsRefusedAndChangesNothing() throws {
        var session = try Self.session(["q-1", "q-2"])
        let before = session
        #expect(throws: FlashcardError.notRevealed("q-1")) {
            try session.rate(questionId: "q-1", rating: .good, now: Self.start + 1000)
        }
        #expect(session == before)
    }

    @Test func aRatingOfAnotherCardIsStaleAndChangesNothing() throws {
        var session = try Self.session(["q-1", "q-2"])
        _ = try session.reveal(now: Self.start + 1000)
        let before = session
        #expect(throws: FlashcardError(.staleCard, "")) {
            try session.rate(questionId: "q-2", rating: .good, now: Self.start + 2000)
        }
        #expect(session == before)
    }

    @Test func aNegativeTimeToFlipIsRefused() throws {
        var session = try Self.session(["q-1"])
        _ = try session.reveal(now: Self.start + 1000)
        let before = session
        #expect(throws: FlashcardError.invalidTimeToFlip(-1)) {
            try session.rate(questionId: "q-1", rating: .good, timeToFlipMs: -1, now: Self.start + 2000)
        }
        #expect(session == before)
    }

    @Test func aGoodRatingLearnsTheCardAndShowsTheNext() throws {
        var session = try Self.session(["q-1", "q-2"])
        _ = try session.reveal(now: Self.start + 3000)
        let outcome = try session.rate(questionId: "q-1", rating: .good, now: Self.start + 5000)
        #expect(
            outcome
                == FlashcardOutcome(
                    rated: Fixture.ref("q-1"), review: .good, timeToFlipMs: 3000, comesBackAfter: nil,
                    next: .show(Fixture.ref("q-2")), version: 3
                )
        )
        #expect(outcome.nextAction == .nextQuestion)
        #expect(session.current == FlashcardServing(questionId: "q-2", shownAt: Self.start + 5000))
        #expect(session.learned == ["q-1"])
        #expect(session.status == .inProgress)
        #expect(session.ratings == RatingCounts(good: 1))
    }

    @Test func theClientsTimeToFlipReplacesTheServers() throws {
        var session = try Self.session(["q-1", "q-2"])
        _ = try session.reveal(now: Self.start + 3000)
        let outcome = try session.rate(questionId: "q-1", rating: .easy, timeToFlipMs: 1234, now: Self.start + 5000)
        #expect(outcome.timeToFlipMs == 1234)
        #expect(outcome.review == .easy)
    }

    @Test(arguments: [ReviewRating.hard, .good, .easy])
    func everyRatingBetterThanAgainLearnsTheCard(rating: ReviewRating) throws {
        var session = try Self.session(["q-1"])
        var now = Self.start
        let outcome = try Self.flip(&session, rating, now: &now)
        #expect(outcome.review == rating)
        #expect(session.learned == ["q-1"])
        #expect(session.status == .completed)
    }

    // MARK: - Again

    @Test func anAgainCardComesBackThreeCardsLater() throws {
        var session = try Self.session(["q-1", "q-2", "q-3", "q-4", "q-5"])
        var now = Self.start
        let outcome = try Self.flip(&session, .again, now: &now)
        #expect(outcome.comesBackAfter == 3)
        #expect(outcome.review == .again)
        #expect(session.current?.questionId == "q-2")
        #expect(session.upcoming == ["q-3", "q-4", "q-1", "q-5"])
        #expect(session.learned.isEmpty)
    }

    @Test(arguments: [(2, ["q-3", "q-1"]), (1, ["q-1"])])
    func anAgainCardGoesLastWhenFewerThanThreeRemain(cards: Int, upcoming: [String]) throws {
        var session = try Self.session(Array(["q-1", "q-2", "q-3"].prefix(cards + 1)))
        var now = Self.start
        let outcome = try Self.flip(&session, .again, now: &now)
        #expect(outcome.comesBackAfter == cards)
        #expect(session.current?.questionId == "q-2")
        #expect(session.upcoming == upcoming)
    }

    @Test func theLastCardRatedAgainComesStraightBack() throws {
        var session = try Self.session(["q-1"])
        var now = Self.start
        let outcome = try Self.flip(&session, .again, now: &now)
        #expect(outcome.comesBackAfter == 0)
        #expect(outcome.next == .show(Fixture.ref("q-1")))
        #expect(session.current == FlashcardServing(questionId: "q-1", shownAt: now), "shown afresh: reveal again")
        #expect(throws: FlashcardError.notRevealed("q-1")) { try session.rate(questionId: "q-1", rating: .good, now: now + 1) }
        #expect(session.status == .inProgress)
    }

    // MARK: - Completion

    @Test func theSessionCompletesWhenEveryCardIsRatedBetterThanAgain() throws {
        var session = try Self.session(["q-1", "q-2"])
        var now = Self.start
        try Self.flip(&session, .again, now: &now)  // q-1 back last
        try Self.flip(&session, .good, now: &now)  // q-2
        let last = try Self.flip(&session, .hard, now: &now)  // q-1
        let results = FlashcardResults(
            sessionId: "f-1", status: .completed, cardCount: 2, learnedCount: 2, ratings: RatingCounts(again: 1, hard: 1, good: 1),
            startedAt: Self.start, endedAt: now
        )
        #expect(last.next == .complete(results))
        #expect(last.nextAction == .sessionComplete)
        #expect(session.results == results)
        #expect(session.current == nil)
        #expect(session.version == 1 + 2 * 3)
        #expect(throws: FlashcardError(.notActive, "")) { try session.reveal(now: now + 1) }
    }

    @Test func randomRatingsKeepEveryRule() throws {
        var rng = SeededRandomGenerator(seedText: "flashcards")
        for round in 0..<300 {
            let cards = Fixture.questionIds(1 + Int(rng.next() % 12))
            var session = try Self.session(cards)
            var now = Self.start
            var shown: [String] = []
            var againAt: [String: (index: Int, after: Int)] = [:]
            var reviews = 0
            while let card = session.current?.questionId {
                if let previous = againAt.removeValue(forKey: card) {
                    // Back after exactly the cards promised: 3, or every card that was left.
                    #expect(shown.count - previous.index - 1 == previous.after, "round \(round)")
                }
                shown.append(card)
                let upcoming = session.upcoming.count
                let rating = ReviewRating.allCases[Int(rng.next() % 4)]
                let outcome = try Self.flip(&session, rating, now: &now)
                reviews += 1
                #expect(outcome.review == rating)
                if rating == .again {
                    #expect(outcome.comesBackAfter == min(3, upcoming))
                    againAt[card] = (shown.count - 1, min(3, upcoming))
                }
                #expect(session.version == 1 + 2 * reviews)
            }
            #expect(session.status == .completed)
            #expect(Set(session.learned) == Set(cards))
            #expect(session.learned.count == cards.count)
            #expect(session.ratings.total == reviews)
            #expect(reviews == cards.count + session.ratings.again)
        }
    }

    // MARK: - Lifecycle

    @Test func aRatingAfterTheTimeLimitExpiresTheSession() throws {
        var session = try Self.session(["q-1", "q-2"], timeLimitSeconds: 60)
        _ = try session.reveal(now: Self.start + 1000)
        #expect(throws: FlashcardError(.expired, "")) {
            try session.rate(questionId: "q-1", rating: .good, now: Self.start + 60_000)
        }
        #expect(session.status == .expired)
        #expect(session.version == 3, "the expiry is a change to save")
        #expect(session.endedAt == Self.start + 60_000)
        #expect(throws: FlashcardError(.expired, "")) { try session.reveal(now: Self.start + 70_000) }
        #expect(session.version == 3)
    }

    @Test func completeAbandonAndSweepFollowTheSessionLifecycle() throws {
        var session = try Self.session(["q-1", "q-2"])
        let results = try session.complete(now: Self.start + 5000)
        #expect(results.status == .completed)
        #expect(results.learnedCount == 0)
        #expect(session.current == nil)
        #expect(session.version == 2)
        _ = try session.complete(now: Self.start + 6000)
        #expect(session.version == 2, "completing twice changes nothing")
        #expect(throws: FlashcardError(.notActive, "")) { try session.abandon(now: Self.start + 7000) }

        var idle = try Self.session(["q-1"])
        #expect(idle.sweep(now: Self.start + 1000) == nil)
        #expect(idle.sweep(now: Self.start + 86_400_000) == .abandoned)
        var late = try Self.session(["q-1"], timeLimitSeconds: 10)
        #expect(late.effectiveStatus(now: Self.start + 10_000) == .expired)
        #expect(late.sweep(now: Self.start + 10_000) == .expired)
        var abandoned = try Self.session(["q-1"])
        try abandoned.abandon(now: Self.start + 1)
        #expect(abandoned.status == .abandoned)
        #expect(throws: FlashcardError(.notActive, "")) { try abandoned.reveal(now: Self.start + 2) }
    }

    @Test func aSessionSurvivesEncodingUnchanged() throws {
        var session = try Self.session(["q-1", "q-2", "q-3"])
        var now = Self.start
        try Self.flip(&session, .again, now: &now)
        _ = try session.reveal(now: now + 500)
        let decoded = try JSONDecoder().decode(FlashcardSession.self, from: JSONEncoder().encode(session))
        #expect(decoded == session)
        let restored = FlashcardSession(
            id: session.id, userId: session.userId, bankId: session.bankId, options: session.options, cardIds: session.cardIds,
            lifecycle: session.lifecycle, current: session.current, upcoming: session.upcoming, learned: session.learned,
            ratings: session.ratings
        )
        #expect(restored == session)
    }

    // MARK: - Decks and backs

    @Test func decksComeFromDueCategoryOrList() {
        var rng = SeededRandomGenerator(seed: 7)
        let now = Self.start
        let states: [String: MemoryState] = [
            "q-2": MemoryState(stability: 1, difficulty: 5, lastReviewAt: now - 86_400_000 * 5, dueAt: now - 1, reps: 1, lapses: 0, lastRating: .good),
            "q-3": MemoryState(stability: 50, difficulty: 5, lastReviewAt: now, dueAt: now + 86_400_000 * 50, reps: 1, lapses: 0, lastRating: .good),
        ]
        let ids = Fixture.questionIds(5)
        #expect(FlashcardDeck.cards(from: .due, candidateIds: ids, states: states, count: 3, now: now, using: &rng) == ["q-2", "q-1", "q-4"])
        #expect(FlashcardDeck.cards(from: .list, candidateIds: ["q-5", "q-1", "q-5"], states: [:], count: 10, now: now, using: &rng) == ["q-5", "q-1"])
        let drawn = FlashcardDeck.cards(from: .category, candidateIds: ids, states: [:], count: 3, now: now, using: &rng)
        #expect(drawn.count == 3)
        #expect(Set(drawn).isSubset(of: Set(ids)))
    }

    @Test func theBackShowsTheCorrectAnswersAndTheExplanation() {
        let question = Question(
            id: "q-1", text: "2 + 2?", answers: [AnswerChoice(id: "a", text: "3"), AnswerChoice(id: "b", text: "4"), AnswerChoice(id: "c", text: "four")],
            correctAnswers: ["c", "b"], explanation: "Counting."
        )
        let back = FlashcardBack(question: question)
        #expect(back.answers == [AnswerChoice(id: "b", text: "4"), AnswerChoice(id: "c", text: "four")])
        #expect(back.explanation == "Counting.")
    }
}
