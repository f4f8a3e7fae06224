import Foundation
import QuizEngine
import Testing

@Suite struct QuizSessionLifecycleTests {
    typealias Harness = QuizHarness<ScriptedRandom>

    /// Never reviews the pool while set questions remain, picks the last remaining one, and keeps
    /// bank order in shuffles: a session whose course a test can tell in advance.
    static func harness(bankSize: Int = 3, questionCount: Int = 2) throws -> Harness {
        try Harness(bankSize: bankSize, questionCount: questionCount, rng: ScriptedRandom(ScriptedRandom.high))
    }

    // MARK: - Start and serve

    @Test func startDrawsTheSetAndPicksTheFirstQuestion() throws {
        var rng = ScriptedRandom(ScriptedRandom.high)
        let session = try QuizSession.start(
            id: "s-1", userId: "user-1", bankId: Fixture.bankId, candidateQuestionIds: Fixture.questionIds(5),
            options: QuizSession.Options(category: "algebra", questionCount: 3, timeLimitSeconds: 600),
            pool: WrongAnswerPool(), now: Fixture.startTime, using: &rng
        )
        #expect(session.status == .started)
        #expect(session.version == 1)
        #expect(session.questionCount == 3)
        #expect(Set(session.questionIds).count == 3)
        #expect(session.options.category == "algebra")
        #expect(session.expiresAt == Fixture.startTime + 600_000)
        #expect(session.currentQuestion == nil)
        let pending = try #require(session.pendingQuestion)
        #expect(pending.origin == .sessionSet)
        #expect(session.questionIds.last == pending.questionId)
        #expect(session.timeRemainingSeconds(now: Fixture.startTime) == 600)
    }

    @Test func startWithFewerQuestionsThanAskedTakesThemAll() throws {
        let harness = try Self.harness(bankSize: 2, questionCount: 10)
        #expect(harness.session.questionIds.sorted() == ["q-1", "q-2"])
        #expect(harness.session.options.questionCount == 10)
        #expect(harness.session.questionCount == 2)
    }

    @Test func startWithNothingToDrawFails() {
        var rng = SeededRandomGenerator(seed: 1)
        let error = #expect(throws: SessionError.self) {
            try QuizSession.start(
                id: "s-1", userId: "user-1", bankId: Fixture.bankId, candidateQuestionIds: [],
                pool: WrongAnswerPool(), now: 0, using: &rng
            )
        }
        #expect(error?.code == .noQuestions)
    }

    @Test func serveFixesTheChoiceOrderAndStepsTheVersion() throws {
        let harness = try Self.harness()
        let served = try harness.current()
        #expect(served.choiceOrder == ["a", "b", "c", "d"])
        #expect(!served.shuffled)
        #expect(harness.session.pendingQuestion == nil)
        #expect(harness.session.version == 2)
        #expect(harness.session.status == .started)
    }

    @Test func servingAnotherQuestionThanThePendingOneIsRefused() throws {
        var rng = SeededRandomGenerator(seed: 1)
        var session = try QuizSession.start(
            id: "s-1", userId: "user-1", bankId: Fixture.bankId, candidateQuestionIds: ["q-1"],
            pool: WrongAnswerPool(), now: Fixture.startTime, using: &rng
        )
        let before = session
        let error = #expect(throws: SessionError.self) {
            try session.serve(Fixture.question("q-2"), now: Fixture.startTime, using: &rng)
        }
        #expect(error?.code == .questionMismatch)
        #expect(session == before)
    }

    // MARK: - Refused answers

    @Test func anAnswerToAnotherQuestionIsStaleAndChangesNothing() throws {
        var harness = try Self.harness()
        let before = harness.session
        let served = try harness.current()
        let other = try #require(harness.session.questionIds.first { $0 != served.questionId })
        let error = #expect(throws: SessionError.self) {
            try harness.session.answer(
                questionId: other, selectedAnswers: ["b"], question: Fixture.question(other), pool: &harness.pool,
                now: harness.now, using: &harness.rng
            )
        }
        #expect(error?.code == .staleQuestion)
        #expect(harness.session == before)
    }

    @Test func anAnswerWhileNothingIsServedIsStale() throws {
        var rng = SeededRandomGenerator(seed: 1)
        var pool = WrongAnswerPool()
        var session = try QuizSession.start(
            id: "s-1", userId: "user-1", bankId: Fixture.bankId, candidateQuestionIds: ["q-1"], pool: pool,
            now: Fixture.startTime, using: &rng
        )
        let error = #expect(throws: SessionError.self) {
            try session.answer(
                questionId: "q-1", selectedAnswers: ["b"], question: Fixture.question("q-1"), pool: &pool,
                now: Fixture.startTime, using: &rng
            )
        }
        #expect(error?.code == .staleQuestion)
    }

    @Test(arguments: [[String](), ["b", "z"]])
    func anInvalidSelectionUsesNoTry(selected: [String]) throws {
        var harness = try Self.harness()
        let before = harness.session
        let served = try harness.current()
        let error = #expect(throws: SessionError.self) {
            try harness.session.answer(
                questionId: served.questionId, selectedAnswers: selected, question: Fixture.question(served.questionId),
                pool: &harness.pool, now: harness.now, using: &harness.rng
            )
        }
        #expect(error?.code == .invalidAnswer)
        #expect(harness.session == before)
        #expect(harness.session.totalAttempts == 0)
    }

    // MARK: - Expiry

    @Test func anAnswerAtTheTimeLimitExpiresTheSession() throws {
        var harness = try Self.harness()
        let served = try harness.current()
        let expiresAt = harness.session.expiresAt
        let error = #expect(throws: SessionError.self) {
            try harness.session.answer(
                questionId: served.questionId, selectedAnswers: ["b"], question: Fixture.question(served.questionId),
                pool: &harness.pool, now: expiresAt, using: &harness.rng
            )
        }
        #expect(error?.code == .expired)
        // The refusal itself is a change the handler must save (docs/http-contract.md#sessions).
        #expect(harness.session.status == .expired)
        #expect(harness.session.version == 3)
        #expect(harness.session.endedAt == expiresAt)
        #expect(harness.session.totalAttempts == 0)

        let again = #expect(throws: SessionError.self) {
            try harness.session.answer(
                questionId: served.questionId, selectedAnswers: ["b"], question: Fixture.question(served.questionId),
                pool: &harness.pool, now: expiresAt + 5_000, using: &harness.rng
            )
        }
        #expect(again?.code == .expired)
        #expect(harness.session.version == 3)
    }

    @Test func anAnswerOneMillisecondBeforeTheLimitCounts() throws {
        var harness = try Self.harness()
        harness.now = harness.session.expiresAt - 1001
        let outcome = try harness.answer(correctly: true)
        #expect(outcome.nextAction == .nextQuestion)
        #expect(harness.session.status == .inProgress)
    }

    @Test func timeRemainingRoundsUpAndStopsAtTheEnd() throws {
        var harness = try Self.harness()
        let start = harness.session.startedAt
        #expect(harness.session.timeRemainingSeconds(now: start + 1) == 1800)
        #expect(harness.session.timeRemainingSeconds(now: start + 1000) == 1799)
        #expect(harness.session.timeRemainingSeconds(now: start + 1_799_999) == 1)
        #expect(harness.session.timeRemainingSeconds(now: start + 1_800_000) == 0)
        #expect(harness.session.effectiveStatus(now: start + 1_800_000) == .expired)
        #expect(harness.session.effectiveStatus(now: start + 1_799_999) == .started)
        try harness.session.complete(now: start + 10_000)
        #expect(harness.session.timeRemainingSeconds(now: start + 10_000) == 0)
    }

    // MARK: - Complete and abandon

    @Test func completingEarlyReturnsTheResultsAndRepeatingChangesNothing() throws {
        var harness = try Self.harness()
        try harness.answer(correctly: false)
        try harness.answer(correctly: true)
        let results = try harness.session.complete(now: harness.now + 500)
        #expect(harness.session.status == .completed)
        #expect(results.status == .completed)
        #expect(results.questionCount == 2)
        #expect(results.doneCount == 1)
        #expect(results.totalAttempts == 2)
        #expect(results.questionsAnswered == 1)
        #expect(results.correctFirstTry == 0)
        #expect(results.accuracy == 0)
        #expect(results.wrongAnswers == 1)
        #expect(results.endedAt == harness.now + 500)
        #expect(results.durationSeconds == 2)
        let version = harness.session.version

        #expect(try harness.session.complete(now: harness.now + 9_000) == results)
        #expect(harness.session.version == version)
        let error = #expect(throws: SessionError.self) { try harness.answer(correctly: true) }
        #expect(error?.code == .notActive)
    }

    @Test func anAbandonedSessionTakesNoMoreAnswers() throws {
        var harness = try Self.harness()
        try harness.session.abandon(now: harness.now)
        #expect(harness.session.status == .abandoned)
        let version = harness.session.version
        try harness.session.abandon(now: harness.now + 1)
        #expect(harness.session.version == version)

        let answer = #expect(throws: SessionError.self) { try harness.answer(correctly: true) }
        #expect(answer?.code == .notActive)
        let complete = #expect(throws: SessionError.self) { try harness.session.complete(now: harness.now) }
        #expect(complete?.code == .notActive)
    }

    @Test func aCompletedSessionCannotBeAbandonedNorAnExpiredOneCompleted() throws {
        var completed = try Self.harness()
        try completed.session.complete(now: completed.now)
        #expect(throws: SessionError.notActive(status: .completed)) {
            try completed.session.abandon(now: completed.now)
        }

        var late = try Self.harness()
        let error = #expect(throws: SessionError.self) {
            try late.session.complete(now: late.session.expiresAt + 1)
        }
        #expect(error?.code == .expired)
        #expect(late.session.status == .expired)
    }

    // MARK: - Maintenance sweep

    @Test func theSweepAbandonsIdleSessionsAndExpiresLateOnes() throws {
        var idle = try Self.harness()
        #expect(idle.session.sweep(now: idle.session.updatedAt + 86_399_999) == .expired)

        var longIdle = try Self.harness()
        #expect(longIdle.session.sweep(now: longIdle.session.updatedAt + 86_400_000) == .abandoned)
        #expect(longIdle.session.endedAt == longIdle.session.updatedAt)

        var fresh = try Self.harness()
        let version = fresh.session.version
        #expect(fresh.session.sweep(now: fresh.session.updatedAt + 60_000) == nil)
        #expect(fresh.session.version == version)
        #expect(fresh.session.sweep(now: fresh.session.updatedAt + 120_000, idleLimitSeconds: 60) == .abandoned)
        #expect(fresh.session.sweep(now: fresh.session.updatedAt + 999_999_999) == nil)
    }

    // MARK: - Versions and persistence

    @Test func everyChangeStepsTheVersionByOne() throws {
        var harness = try Self.harness(bankSize: 2, questionCount: 2)
        #expect(harness.session.version == 2)  // started (1), served (2)
        try harness.answer(correctly: false)
        #expect(harness.session.version == 3)  // answered, and the retry re-served in the same change
        try harness.answer(correctly: true, servingNext: false)
        #expect(harness.session.version == 4)
        try harness.serveIfPending()
        #expect(harness.session.version == 5)  // the next question was served
    }

    @Test func aSessionAndItsPoolRoundTripAndContinueTheSame() throws {
        var harness = try Self.harness(bankSize: 4, questionCount: 3)
        try harness.answer(correctly: false)
        try harness.answer(correctly: true)
        try harness.answer(correctly: false)

        let session = try JSONDecoder().decode(QuizSession.self, from: JSONEncoder().encode(harness.session))
        let pool = try JSONDecoder().decode(WrongAnswerPool.self, from: JSONEncoder().encode(harness.pool))
        #expect(session == harness.session)
        #expect(pool == harness.pool)

        // Another worker that loaded the stored copies answers exactly as this one would
        // (docs/architecture.md#no-memory-between-requests).
        var restored = harness
        restored.session = session
        restored.pool = pool
        #expect(try restored.answer(correctly: true) == harness.answer(correctly: true))
        #expect(restored.session == harness.session)
        #expect(restored.pool == harness.pool)
    }
}
