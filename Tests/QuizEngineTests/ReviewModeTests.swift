import Foundation
import QuizEngine
import Testing

@Suite struct ReviewModeTests {
    static let day = Days.milliseconds
    static let now = Fixture.startTime

    /// A question reviewed once with `good` and then on, so that at `now` it has the given
    /// stability, was last reviewed `daysAgo` days ago and is due `dueIn` days from now.
    static func state(stability: Double, daysAgo: Int, dueIn: Int) -> MemoryState {
        MemoryState(
            stability: stability, difficulty: 5, lastReviewAt: now - EpochMilliseconds(daysAgo) * day,
            dueAt: now + EpochMilliseconds(dueIn) * day, reps: 3, lapses: 0, lastRating: .good
        )
    }

    // MARK: - Order

    @Test func dueQuestionsComeFirstLeastRetainedFirstThenNewOnes() {
        let states: [String: MemoryState] = [
            "q-1": Self.state(stability: 10, daysAgo: 10, dueIn: 0),  // R 0.90
            "q-2": Self.state(stability: 2, daysAgo: 10, dueIn: -8),  // R ≈ 0.70
            "q-3": Self.state(stability: 30, daysAgo: 5, dueIn: 25),  // not due
            "q-4": Self.state(stability: 5, daysAgo: 10, dueIn: -5),  // R ≈ 0.82
            "q-6": .new,
        ]
        let order = ReviewOrder.questionIds(
            candidateIds: ["q-1", "q-2", "q-3", "q-4", "q-5", "q-6", "q-2"], states: states, now: Self.now, limit: 10
        )
        #expect(order == ["q-2", "q-4", "q-1", "q-5", "q-6"])
        #expect(ReviewOrder.questionIds(candidateIds: ["q-1", "q-2", "q-5"], states: states, now: Self.now, limit: 2) == ["q-2", "q-1"])
        #expect(ReviewOrder.questionIds(candidateIds: ["q-1"], states: states, now: Self.now, limit: 0) == [])
    }

    @Test func equalRetrievabilityIsBrokenByTheLongestOverdueThenById() {
        let states: [String: MemoryState] = [
            "b": Self.state(stability: 4, daysAgo: 4, dueIn: -1),
            "a": Self.state(stability: 4, daysAgo: 4, dueIn: -1),
            "c": Self.state(stability: 4, daysAgo: 4, dueIn: -2),
        ]
        #expect(ReviewOrder.questionIds(candidateIds: ["b", "a", "c"], states: states, now: Self.now, limit: 5) == ["c", "a", "b"])
    }

    @Test func aQuestionIsDueFromItsDueTimeOn() {
        let state = Self.state(stability: 3, daysAgo: 3, dueIn: 0)
        #expect(ReviewOrder.standing(of: state, at: Self.now) == .due)
        #expect(ReviewOrder.standing(of: state, at: Self.now - 1) == .scheduled)
        #expect(ReviewOrder.standing(of: nil, at: Self.now) == .new)
        #expect(ReviewOrder.standing(of: .new, at: Self.now) == .new)
    }

    // MARK: - A review session

    @Test func aReviewSessionServesItsSetInTheGivenOrder() throws {
        var rng = ScriptedRandom(ScriptedRandom.high)
        let ordered = ["q-3", "q-1", "q-4", "q-2"]
        var session = try QuizSession.start(
            id: "s-1", userId: "user-1", bankId: Fixture.bankId, candidateQuestionIds: ordered + ["q-3"],
            options: QuizSession.Options(questionCount: 3, shuffleChoices: false, mode: .review), pool: WrongAnswerPool(),
            now: Self.now, using: &rng
        )
        #expect(session.options.mode == .review)
        #expect(session.questionIds == ["q-3", "q-1", "q-4"])
        #expect(rng.draws == 0, "nothing is drawn at random in review mode")
        var pool = WrongAnswerPool()
        var served: [String] = []
        var now = Self.now
        while let pending = session.pendingQuestion {
            try session.serve(Fixture.question(pending.questionId), now: now, using: &rng)
            served.append(pending.questionId)
            now += 1000
            _ = try session.answer(
                questionId: pending.questionId, selectedAnswers: ["b"], question: Fixture.question(pending.questionId),
                pool: &pool, now: now, using: &rng
            )
        }
        #expect(served == ["q-3", "q-1", "q-4"])
        #expect(session.status == .completed)
    }

    @Test func aReviewSessionKeepsTheRetryAndPoolRules() throws {
        // The 20 % branch every time: with a pool entry of another session, review mode still
        // serves it, as quiz mode does.
        var rng = ScriptedRandom(ScriptedRandom.low)
        let pool = WrongAnswerPool(entries: [Fixture.entry("q-9", at: Self.now - 1000)])
        var harnessPool = pool
        var session = try QuizSession.start(
            id: "s-1", userId: "user-1", bankId: Fixture.bankId, candidateQuestionIds: ["q-2", "q-1"],
            options: QuizSession.Options(questionCount: 2, shuffleChoices: false, mode: .review), pool: pool,
            now: Self.now, using: &rng
        )
        #expect(session.pendingQuestion == PickedQuestion(Fixture.ref("q-9"), origin: .wrongAnswerPool))
        try session.serve(Fixture.question("q-9"), now: Self.now, using: &rng)
        let wrong = try session.answer(
            questionId: "q-9", selectedAnswers: ["a"], question: Fixture.question("q-9"), pool: &harnessPool,
            now: Self.now + 1000, using: &rng
        )
        #expect(wrong.nextAction == .retrySameQuestion)
        #expect(wrong.review == .again)
        #expect(wrong.poolChange == .reset(Fixture.entry("q-9", at: Self.now - 1000, session: "s-1")))
        let right = try session.answer(
            questionId: "q-9", selectedAnswers: ["b"], question: Fixture.question("q-9"), pool: &harnessPool,
            now: Self.now + 2000, using: &rng
        )
        #expect(right.review == nil, "the retry of a serving is not a review")
        #expect(right.poolChange == .unchanged, "already reset to 2 tries by the wrong answer")
        #expect(harnessPool.entries == [Fixture.entry("q-9", at: Self.now - 1000, session: "s-1")])
        // The pool entry is the oldest but was just answered: the set is served, in its order.
        #expect(session.pendingQuestion == PickedQuestion(Fixture.ref("q-2"), origin: .sessionSet))
    }

    @Test func aReviewSessionWithNothingToServeIsRefused() {
        var rng = SeededRandomGenerator(seed: 1)
        #expect(throws: SessionError.noQuestions) {
            try QuizSession.start(
                id: "s-1", userId: "user-1", bankId: Fixture.bankId, candidateQuestionIds: [],
                options: QuizSession.Options(mode: .review), pool: WrongAnswerPool(), now: Self.now, using: &rng
            )
        }
    }

    @Test func optionsSavedBeforeModesDecodeAsQuizMode() throws {
        let saved = #"{"questionCount":10,"timeLimitSeconds":1800,"shuffleChoices":true}"#
        let options = try JSONDecoder().decode(QuizSession.Options.self, from: Data(saved.utf8))
        #expect(options.mode == .quiz)
        #expect(options == QuizSession.Options())
    }

    // MARK: - What an answer records

    @Test func onlyTheFirstTryOfAServingIsAReview() throws {
        var harness = try QuizHarness(bankSize: 3, questionCount: 3, rng: ScriptedRandom(ScriptedRandom.high))
        #expect(try harness.answer(correctly: true).review == .good)
        #expect(try harness.answer(correctly: false).review == .again)
        #expect(try harness.answer(correctly: false).review == nil)
        #expect(try harness.answer(correctly: true).review == nil)
        // The question that went to the pool comes back as a new serving: its first try counts.
        #expect(try harness.answer(correctly: true).review == .good)
    }
}
