import QuizEngine
import Testing

@Suite struct QuestionPickerTests {
    let remaining = ["q-1", "q-2", "q-3"].map { Fixture.ref($0) }

    // MARK: - Drawing the set

    @Test func drawsDistinctCandidatesWithoutReplacement() {
        for seed in UInt64(0)..<200 {
            var rng = SeededRandomGenerator(seed: seed)
            let drawn = QuestionPicker.drawQuestionSet(from: Fixture.questionIds(10), count: 4, using: &rng)
            #expect(drawn.count == 4)
            #expect(Set(drawn).count == 4)
            #expect(Set(drawn).isSubset(of: Fixture.questionIds(10)))
        }
    }

    @Test func takesAllWhenTheBankHasFewer() {
        var rng = SeededRandomGenerator(seed: 1)
        let drawn = QuestionPicker.drawQuestionSet(from: ["q-1", "q-2", "q-2", "q-3"], count: 10, using: &rng)
        #expect(drawn.sorted() == ["q-1", "q-2", "q-3"])
    }

    @Test(arguments: [0, -1])
    func drawsNothingForANonPositiveCount(count: Int) {
        var rng = SeededRandomGenerator(seed: 1)
        #expect(QuestionPicker.drawQuestionSet(from: ["q-1"], count: count, using: &rng).isEmpty)
    }

    @Test func theSameSeedDrawsTheSameSet() {
        var first = SeededRandomGenerator(seed: 11)
        var second = SeededRandomGenerator(seed: 11)
        let candidates = Fixture.questionIds(50)
        #expect(
            QuestionPicker.drawQuestionSet(from: candidates, count: 10, using: &first)
                == QuestionPicker.drawQuestionSet(from: candidates, count: 10, using: &second)
        )
    }

    @Test func everyCandidateIsEquallyLikelyToBeDrawn() {
        // 2 of 5 drawn 10,000 times: each candidate should be in 40 % of the sets.
        var rng = SeededRandomGenerator(seed: 2024)
        var hits: [String: Int] = [:]
        let rounds = 10_000
        for _ in 0..<rounds {
            for id in QuestionPicker.drawQuestionSet(from: Fixture.questionIds(5), count: 2, using: &rng) {
                hits[id, default: 0] += 1
            }
        }
        for id in Fixture.questionIds(5) {
            let share = Double(hits[id] ?? 0) / Double(rounds)
            #expect((0.38...0.42).contains(share), "\(id): \(share)")
        }
    }

    // MARK: - While set questions remain

    @Test func anEmptyPoolAlwaysServesASetQuestionWithoutAChanceDraw() {
        var rng = ScriptedRandom(ScriptedRandom.index(2, of: 3))
        let pick = QuestionPicker.pickNext(
            remaining: remaining, sessionId: "s-1", pool: WrongAnswerPool(), justAnswered: nil, using: &rng
        )
        #expect(pick == .serve(PickedQuestion(Fixture.ref("q-3"), origin: .sessionSet)))
        #expect(rng.draws == 1)
    }

    @Test func theTwentyPercentBranchServesTheOldestEntryOfAnySession() {
        let pool = WrongAnswerPool(entries: [
            Fixture.entry("q-8", at: 20, session: "s-1"),
            Fixture.entry("q-9", bank: Fixture.otherBankId, at: 10, session: "s-other"),
        ])
        var rng = ScriptedRandom(ScriptedRandom.low)
        let pick = QuestionPicker.pickNext(
            remaining: remaining, sessionId: "s-1", pool: pool, justAnswered: nil, using: &rng
        )
        #expect(pick == .serve(PickedQuestion(Fixture.ref("q-9", bank: Fixture.otherBankId), origin: .wrongAnswerPool)))
    }

    @Test func theEightyPercentBranchServesARandomRemainingSetQuestion() {
        let pool = WrongAnswerPool(entries: [Fixture.entry("q-9", at: 10)])
        var rng = ScriptedRandom(ScriptedRandom.high, ScriptedRandom.index(1, of: 3))
        let pick = QuestionPicker.pickNext(
            remaining: remaining, sessionId: "s-1", pool: pool, justAnswered: nil, using: &rng
        )
        #expect(pick == .serve(PickedQuestion(Fixture.ref("q-2"), origin: .sessionSet)))
        #expect(rng.draws == 2)
    }

    @Test func theTwentyPercentBranchSkipsTheQuestionJustAnswered() {
        let pool = WrongAnswerPool(entries: [Fixture.entry("q-8", at: 10), Fixture.entry("q-9", at: 20)])
        var rng = ScriptedRandom(ScriptedRandom.low)
        let pick = QuestionPicker.pickNext(
            remaining: remaining, sessionId: "s-1", pool: pool, justAnswered: Fixture.ref("q-8"), using: &rng
        )
        #expect(pick == .serve(PickedQuestion(Fixture.ref("q-9"), origin: .wrongAnswerPool)))
    }

    @Test func whenTheOnlyEntryIsTheOneJustAnsweredTheSetIsServed() {
        let pool = WrongAnswerPool(entries: [Fixture.entry("q-8", at: 10)])
        // `low` would take the 20 % branch if a chance were drawn; only the index draw happens.
        var rng = ScriptedRandom(ScriptedRandom.low)
        let pick = QuestionPicker.pickNext(
            remaining: remaining, sessionId: "s-1", pool: pool, justAnswered: Fixture.ref("q-8"), using: &rng
        )
        #expect(pick == .serve(PickedQuestion(Fixture.ref("q-1"), origin: .sessionSet)))
        #expect(rng.draws == 1)
    }

    @Test func poolReviewsAreTwentyPercentOfPicks() {
        // docs/http-contract.md#adaptive-rules: with a non-empty pool and set questions left, 0.2 of picks
        // review the oldest entry. 20,000 seeded picks: the share must be 0.2 ± 0.02, and the other picks
        // must spread evenly over the four remaining set questions (0.2 each).
        let pool = WrongAnswerPool(entries: [
            Fixture.entry("q-8", at: 10, session: "s-other"), Fixture.entry("q-9", at: 20, session: "s-1"),
        ])
        let remaining = ["q-1", "q-2", "q-3", "q-4"].map { Fixture.ref($0) }
        var rng = SeededRandomGenerator(seed: 20_240_601)
        var counts: [QuestionRef: Int] = [:]
        let picks = 20_000
        for _ in 0..<picks {
            let pick = QuestionPicker.pickNext(
                remaining: remaining, sessionId: "s-1", pool: pool, justAnswered: Fixture.ref("q-5"), using: &rng
            )
            guard case .serve(let picked) = pick else {
                Issue.record("a pick with set questions left completed the session")
                return
            }
            counts[picked.ref, default: 0] += 1
        }
        let oldestShare = Double(counts[Fixture.ref("q-8")] ?? 0) / Double(picks)
        #expect((0.18...0.22).contains(oldestShare), "oldest-entry share \(oldestShare)")
        #expect(counts[Fixture.ref("q-9")] == nil)
        for ref in remaining {
            let share = Double(counts[ref] ?? 0) / Double(picks)
            #expect((0.18...0.22).contains(share), "\(ref): \(share)")
        }
    }

    // MARK: - Once the set is done

    @Test func thenThisSessionsEntriesAreReviewedOldestFirstWithoutRandomness() {
        let pool = WrongAnswerPool(entries: [
            Fixture.entry("q-7", at: 5, session: "s-other"),
            Fixture.entry("q-8", at: 10, session: "s-1"),
            Fixture.entry("q-9", at: 20, session: "s-1"),
        ])
        var rng = ScriptedRandom(ScriptedRandom.low)
        let pick = QuestionPicker.pickNext(remaining: [], sessionId: "s-1", pool: pool, justAnswered: nil, using: &rng)
        #expect(pick == .serve(PickedQuestion(Fixture.ref("q-8"), origin: .wrongAnswerPool)))
        #expect(rng.draws == 0)
    }

    @Test func thenTheQuestionJustAnsweredWaitsWhileAnotherEntryIsLeft() {
        let pool = WrongAnswerPool(entries: [
            Fixture.entry("q-8", at: 10, tries: 1, session: "s-1"), Fixture.entry("q-9", at: 20, session: "s-1"),
        ])
        var rng = ScriptedRandom(ScriptedRandom.low)
        let pick = QuestionPicker.pickNext(
            remaining: [], sessionId: "s-1", pool: pool, justAnswered: Fixture.ref("q-8"), using: &rng
        )
        #expect(pick == .serve(PickedQuestion(Fixture.ref("q-9"), origin: .wrongAnswerPool)))
    }

    @Test func thenTheQuestionJustAnsweredComesBackWhenNothingElseIsLeft() {
        let pool = WrongAnswerPool(entries: [
            Fixture.entry("q-7", at: 5, session: "s-other"), Fixture.entry("q-8", at: 10, tries: 1, session: "s-1"),
        ])
        var rng = ScriptedRandom(ScriptedRandom.low)
        let pick = QuestionPicker.pickNext(
            remaining: [], sessionId: "s-1", pool: pool, justAnswered: Fixture.ref("q-8"), using: &rng
        )
        #expect(pick == .serve(PickedQuestion(Fixture.ref("q-8"), origin: .wrongAnswerPool)))
    }

    @Test func otherSessionsEntriesDoNotHoldTheSessionOpen() {
        let pool = WrongAnswerPool(entries: [Fixture.entry("q-7", at: 5, session: "s-other")])
        var rng = ScriptedRandom(ScriptedRandom.low)
        let pick = QuestionPicker.pickNext(remaining: [], sessionId: "s-1", pool: pool, justAnswered: nil, using: &rng)
        #expect(pick == .sessionComplete)
    }
}
