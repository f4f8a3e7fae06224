import QuizEngine
import Testing

@Suite struct QuizSessionAnswerTests {
    typealias Harness = QuizHarness<ScriptedRandom>

    /// Never takes the 20 % branch, always picks the last remaining set question, keeps bank order.
    static let predictable = ScriptedRandom(ScriptedRandom.high)

    // MARK: - One serving

    @Test func aWrongAnswerRetriesTheSameQuestionReshuffled() throws {
        var harness = try Harness(bankSize: 2, questionCount: 2, rng: Self.predictable)
        let served = try harness.current()
        let outcome = try harness.answer(correctly: false)

        #expect(!outcome.correct)
        #expect(outcome.firstTry)
        #expect(outcome.nextAction == .retrySameQuestion)
        let retry = try harness.current()
        #expect(outcome.next == .retry(retry))
        #expect(retry.ref == served.ref)
        #expect(retry.choiceOrder == ["d", "a", "b", "c"])
        #expect(retry.wrongTries == 1)
        #expect(outcome.poolChange == .unchanged)
        #expect(harness.pool.penaltyIndicator == "")
        #expect(outcome.progress == ProgressDelta(category: "algebra", attempts: 1))
        #expect(harness.session.status == .inProgress)
        #expect(harness.session.totalAttempts == 1)
        #expect(harness.session.questionsAnswered == 0)
        #expect(harness.session.doneCount == 0)
    }

    @Test func aCorrectFirstTryMovesOnAndLeavesThePoolAlone() throws {
        var harness = try Harness(bankSize: 2, questionCount: 2, rng: Self.predictable)
        let first = try harness.current()
        let outcome = try harness.answer(correctly: true)

        #expect(outcome.correct)
        #expect(outcome.firstTry)
        #expect(outcome.nextAction == .nextQuestion)
        #expect(outcome.answered == first.ref)
        let next = try harness.current()
        #expect(outcome.next == .serve(PickedQuestion(next.ref, origin: .sessionSet)))
        #expect(next.ref != first.ref)
        #expect(outcome.poolChange == .unchanged)
        #expect(harness.pool.isEmpty)
        #expect(harness.session.doneQuestionIds == [first.questionId])
        #expect(harness.session.correctFirstTry == 1)
        #expect(
            outcome.progress
                == ProgressDelta(category: "algebra", attempts: 1, questionsAnswered: 1, correctFirstTry: 1)
        )
    }

    @Test func correctAfterWrongTriesIsDoneAndEntersThePoolAtTwo() throws {
        var harness = try Harness(bankSize: 2, questionCount: 2, rng: Self.predictable)
        let served = try harness.current()
        try harness.answer(correctly: false)
        try harness.answer(correctly: false)
        let outcome = try harness.answer(correctly: true)

        let entry = PoolEntry(
            bankId: Fixture.bankId, questionId: served.questionId, enteredAt: harness.now, remainingTries: 2,
            sessionId: "s-1"
        )
        #expect(outcome.correct)
        #expect(!outcome.firstTry)
        #expect(outcome.nextAction == .nextQuestion)
        #expect(outcome.poolChange == .entered(entry))
        #expect(harness.pool.entries == [entry])
        #expect(harness.pool.penaltyIndicator == "(+1 Question @ 2 Tries)")
        #expect(
            outcome.progress == ProgressDelta(category: "algebra", attempts: 1, questionsAnswered: 1, enteredPool: 1)
        )
        #expect(harness.session.doneQuestionIds == [served.questionId])
        #expect(harness.session.sentToPool == [served.ref])
        #expect(harness.session.totalAttempts == 3)
        #expect(harness.session.correctFirstTry == 0)
    }

    @Test func multiSelectNeedsTheExactSetThroughTheSession() throws {
        var harness = try Harness(bankSize: 1, questionCount: 1, rng: Self.predictable)
        let question = Question(
            id: "q-1", text: "Pick two", answers: ["a", "b", "c"].map { AnswerChoice(id: $0, text: $0) },
            correctAnswers: ["a", "c"]
        )
        let superset = try harness.session.answer(
            questionId: "q-1", selectedAnswers: ["a", "b", "c"], question: question, pool: &harness.pool,
            now: harness.now + 1, using: &harness.rng
        )
        #expect(superset.nextAction == .retrySameQuestion)
        let exact = try harness.session.answer(
            questionId: "q-1", selectedAnswers: ["c", "a", "c"], question: question, pool: &harness.pool,
            now: harness.now + 2, using: &harness.rng
        )
        #expect(exact.correct)
        #expect(!exact.firstTry)
    }

    // MARK: - Pool entries across sessions

    @Test func firstTryCorrectAnswersMasterAPoolEntryOverTwoSessions() throws {
        // q-1 is in the pool from an earlier session; each new one-question session serves it once.
        var pool = WrongAnswerPool(entries: [Fixture.entry("q-1", at: 100, session: "s-old")])

        var first = try Harness(bankSize: 1, questionCount: 1, pool: pool, rng: Self.predictable, sessionId: "s-1")
        let once = try first.answer(correctly: true)
        #expect(once.poolChange == .decremented(Fixture.entry("q-1", at: 100, tries: 1, session: "s-old")))
        #expect(first.pool.penaltyIndicator == "(+1 Question @ 1 Try)")
        // The entry belongs to another session, so it does not hold this one open.
        #expect(once.nextAction == .sessionComplete)
        #expect(first.session.status == .completed)
        pool = first.pool

        var second = try Harness(bankSize: 1, questionCount: 1, pool: pool, rng: Self.predictable, sessionId: "s-2")
        let twice = try second.answer(correctly: true)
        #expect(twice.poolChange == .mastered(Fixture.entry("q-1", at: 100, tries: 0, session: "s-old")))
        #expect(twice.progress.mastered == 1)
        #expect(second.pool.penaltyIndicator == "")
        #expect(second.pool.isEmpty)
        #expect(second.session.mastered == [Fixture.ref("q-1")])
        #expect(twice.nextAction == .sessionComplete)
    }

    @Test func aMissedPoolEntryIsResetAndMustBeReviewedBeforeCompleting() throws {
        let pool = WrongAnswerPool(entries: [Fixture.entry("q-1", at: 100, tries: 1, session: "s-old")])
        var harness = try Harness(bankSize: 1, questionCount: 1, pool: pool, rng: Self.predictable)

        let wrong = try harness.answer(correctly: false)
        #expect(wrong.poolChange == .reset(Fixture.entry("q-1", at: 100, tries: 2, session: "s-1")))
        #expect(harness.pool.penaltyIndicator == "(+1 Question @ 2 Tries)")

        var actions: [AnswerOutcome.NextAction] = []
        var servedFrom: [ServedQuestion.Origin] = []
        for _ in 0..<3 {
            actions.append(try harness.answer(correctly: true).nextAction)
            if let current = harness.session.currentQuestion {
                servedFrom.append(current.origin)
            }
        }
        // correct after the wrong try (stays at 2), then 2 → 1, then 1 → mastered.
        #expect(actions == [.nextQuestion, .nextQuestion, .sessionComplete])
        #expect(servedFrom == [.wrongAnswerPool, .wrongAnswerPool])
        #expect(harness.pool.isEmpty)
    }

    @Test func theSessionCompletesOnlyWhenTheSetIsDoneAndItsEntriesAreMastered() throws {
        var harness = try Harness(bankSize: 2, questionCount: 2, rng: Self.predictable)
        var answered: [String] = []
        var actions: [AnswerOutcome.NextAction] = []
        for correctly in [false, true, true, true, true] {
            answered.append(try harness.current().questionId)
            actions.append(try harness.answer(correctly: correctly).nextAction)
        }
        // `high` draws the set as [q-2, q-1] and picks its last remaining question: q-1 goes to the
        // pool, q-2 is done at the first try, then the pool entry q-1 is reviewed twice.
        #expect(answered == ["q-1", "q-1", "q-2", "q-1", "q-1"])
        #expect(actions == [.retrySameQuestion, .nextQuestion, .nextQuestion, .nextQuestion, .sessionComplete])
        #expect(harness.session.status == .completed)
        #expect(harness.session.endedAt == harness.now)
        #expect(harness.session.currentQuestion == nil)

        let results = harness.session.results
        #expect(results.doneCount == 2)
        #expect(results.questionsAnswered == 4)
        #expect(results.correctFirstTry == 3)
        #expect(results.totalAttempts == 5)
        #expect(results.accuracy == 0.75)
        #expect(results.sentToPool == [Fixture.ref("q-1")])
        #expect(results.mastered == [Fixture.ref("q-1")])
    }

    @Test func theCompletingAnswerCarriesTheResults() throws {
        var harness = try Harness(bankSize: 1, questionCount: 1, rng: Self.predictable)
        let outcome = try harness.answer(correctly: true)
        #expect(outcome.next == .complete(harness.session.results))
        #expect(harness.session.results.status == .completed)
        #expect(harness.session.results.accuracy == 1)
    }

    @Test func reviewsAlternateRatherThanRepeatTheQuestionJustAnswered() throws {
        var harness = try Harness(bankSize: 2, questionCount: 2, rng: Self.predictable)
        for correctly in [false, true, false, true] {
            try harness.answer(correctly: correctly)
        }
        // Both went to the pool, q-1 first (older). Reviews: q-1, then q-2 although q-1 is older, …
        #expect(harness.pool.entries.map(\.questionId) == ["q-1", "q-2"])
        var reviewed: [String] = []
        while harness.session.status != .completed {
            reviewed.append(try harness.current().questionId)
            try harness.answer(correctly: true)
        }
        #expect(reviewed == ["q-1", "q-2", "q-1", "q-2"])
        #expect(harness.session.mastered == [Fixture.ref("q-1"), Fixture.ref("q-2")])
    }

    // MARK: - The 20 % branch

    @Test func anOldEntryFromAnotherBankIsReviewedWithoutTouchingTheSet() throws {
        let foreign = Fixture.ref("q-9", bank: Fixture.otherBankId)
        let pool = WrongAnswerPool(entries: [Fixture.entry("q-9", bank: Fixture.otherBankId, at: 100)])
        // `low` takes the 20 % branch for the first pick.
        var harness = try Harness(
            bankSize: 2, questionCount: 2, pool: pool, rng: ScriptedRandom(ScriptedRandom.low),
            extraQuestions: [foreign]
        )
        #expect(try harness.current().ref == foreign)
        #expect(try harness.current().origin == .wrongAnswerPool)

        let outcome = try harness.answer(correctly: true)
        #expect(outcome.poolChange == .decremented(Fixture.entry("q-9", bank: Fixture.otherBankId, at: 100, tries: 1)))
        #expect(outcome.progress.category == "history")
        #expect(harness.session.doneCount == 0)
        #expect(harness.session.questionsAnswered == 1)
        // q-9 was just answered and is the only entry: the 20 % branch falls through to the set.
        #expect(try harness.current().origin == .sessionSet)
    }

    @Test func anOldestEntryThatIsAnUnfinishedSetQuestionCountsAsDone() throws {
        let pool = WrongAnswerPool(entries: [Fixture.entry("q-1", at: 100, session: "s-old")])
        var harness = try Harness(bankSize: 1, questionCount: 1, pool: pool, rng: ScriptedRandom(ScriptedRandom.low))
        #expect(try harness.current().origin == .wrongAnswerPool)

        let outcome = try harness.answer(correctly: true)
        #expect(harness.session.doneQuestionIds == ["q-1"])
        #expect(outcome.poolChange == .decremented(Fixture.entry("q-1", at: 100, tries: 1, session: "s-old")))
        #expect(outcome.nextAction == .sessionComplete)
    }

    // MARK: - Many seeds

    @Test(arguments: UInt64(0)..<25)
    func seededSessionsAlwaysEndAndKeepTheirCountsConsistent(seed: UInt64) throws {
        let pool = WrongAnswerPool(entries: [
            Fixture.entry("q-9", bank: Fixture.otherBankId, at: 1, session: "s-old"),
        ])
        var harness = try QuizHarness(
            bankSize: 6, questionCount: 4, pool: pool, rng: SeededRandomGenerator(seed: seed),
            extraQuestions: [Fixture.ref("q-9", bank: Fixture.otherBankId)]
        )
        var answers = 0
        var wrongAnswers = 0
        var previous = try harness.current()
        while harness.session.status != .completed {
            // Every third of the first twelve answers is wrong, so questions enter the pool and pool
            // entries get reset; after that every answer is right, so the session must end.
            let correctly = answers >= 12 || answers % 3 != 2
            let outcome = try harness.answer(correctly: correctly)
            answers += 1
            wrongAnswers += correctly ? 0 : 1
            #expect(outcome.correct == correctly)
            if outcome.nextAction == .retrySameQuestion {
                #expect(try harness.current().choiceOrder != previous.choiceOrder)
            }
            if let current = harness.session.currentQuestion {
                previous = current
            }
            try #require(answers < 100, "the session did not end")
        }
        #expect(harness.session.doneCount == 4)
        #expect(harness.session.totalAttempts == answers)
        #expect(harness.session.questionsAnswered == answers - wrongAnswers)
        #expect(harness.pool.entries(ownedBy: "s-1").isEmpty)
        #expect(harness.session.results.wrongAnswers == wrongAnswers)
    }
}
