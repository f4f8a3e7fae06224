import Foundation
import QuizEngine
import Testing

@Suite struct WrongAnswerPoolTests {
    let q1 = Fixture.ref("q-1")
    let q2 = Fixture.ref("q-2")

    @Test func correctAfterWrongTriesEntersWithTwoTries() {
        var pool = WrongAnswerPool()
        let change = pool.recordCorrectAnswer(to: q1, firstTry: false, sessionId: "s-1", now: 5_000)
        let expected = PoolEntry(
            bankId: "bank-1", questionId: "q-1", enteredAt: 5_000, remainingTries: 2, sessionId: "s-1"
        )
        #expect(change == .entered(expected))
        #expect(pool.entries == [expected])
        #expect(pool.version == 1)
    }

    @Test func firstTryCorrectAnswersCountDownToMastered() {
        var pool = WrongAnswerPool(entries: [Fixture.entry("q-1", at: 10, session: "s-1")])
        let first = pool.recordCorrectAnswer(to: q1, firstTry: true, sessionId: "s-1", now: 20)
        #expect(first == .decremented(Fixture.entry("q-1", at: 10, tries: 1, session: "s-1")))
        #expect(pool.entry(for: q1)?.remainingTries == 1)

        let second = pool.recordCorrectAnswer(to: q1, firstTry: true, sessionId: "s-1", now: 30)
        #expect(second == .mastered(Fixture.entry("q-1", at: 10, tries: 0, session: "s-1")))
        #expect(pool.isEmpty)
        #expect(pool.version == 2)
    }

    @Test func aWrongAnswerResetsAnEntryToTwoKeepingWhenItEntered() {
        var pool = WrongAnswerPool(entries: [Fixture.entry("q-1", at: 10, tries: 1, session: "s-old")])
        let change = pool.recordWrongAnswer(to: q1, sessionId: "s-new")
        // The missing session takes the entry over, so it reviews it before it can complete.
        let expected = Fixture.entry("q-1", at: 10, tries: 2, session: "s-new")
        #expect(change == .reset(expected))
        #expect(pool.entries == [expected])
        #expect(pool.version == 1)
    }

    @Test func correctAfterWrongTriesResetsAnExistingEntry() {
        var pool = WrongAnswerPool(entries: [Fixture.entry("q-1", at: 10, tries: 1, session: "s-old")])
        let change = pool.recordCorrectAnswer(to: q1, firstTry: false, sessionId: "s-new", now: 99)
        #expect(change == .reset(Fixture.entry("q-1", at: 10, tries: 2, session: "s-new")))
    }

    @Test func answersThatChangeNothingLeaveTheVersion() {
        var pool = WrongAnswerPool(entries: [Fixture.entry("q-1", at: 10, tries: 2, session: "s-1")], version: 4)
        #expect(pool.recordWrongAnswer(to: q1, sessionId: "s-1") == .unchanged)
        #expect(pool.recordWrongAnswer(to: q2, sessionId: "s-1") == .unchanged)
        #expect(pool.recordCorrectAnswer(to: q2, firstTry: true, sessionId: "s-1", now: 20) == .unchanged)
        #expect(pool.count == 1)
        #expect(pool.version == 4)
    }

    @Test func entriesAreKeptOldestFirstWithADeterministicTieBreak() {
        let pool = WrongAnswerPool(entries: [
            Fixture.entry("q-3", at: 30),
            Fixture.entry("q-2", at: 10),
            Fixture.entry("q-1", at: 30),
            Fixture.entry("q-1", bank: Fixture.otherBankId, at: 10),
        ])
        #expect(pool.entries.map(\.ref.description) == ["bank-1/q-2", "bank-2/q-1", "bank-1/q-1", "bank-1/q-3"])
        #expect(pool.oldestEntry()?.ref == q2)
        #expect(pool.oldestEntry(excluding: q2)?.ref == Fixture.ref("q-1", bank: Fixture.otherBankId))
    }

    @Test func aNewEntryTakesItsPlaceByTime() {
        // Workers' clocks differ, so an entry may carry an earlier time than one already stored.
        var pool = WrongAnswerPool(entries: [Fixture.entry("q-1", at: 100), Fixture.entry("q-2", at: 300)])
        _ = pool.recordCorrectAnswer(to: Fixture.ref("q-3"), firstTry: false, sessionId: "s-1", now: 200)
        _ = pool.recordCorrectAnswer(to: Fixture.ref("q-4"), firstTry: false, sessionId: "s-1", now: 50)
        #expect(pool.entries.map(\.questionId) == ["q-4", "q-1", "q-3", "q-2"])
    }

    @Test func theSameQuestionIdInAnotherBankIsAnotherEntry() {
        var pool = WrongAnswerPool(entries: [Fixture.entry("q-1", bank: Fixture.otherBankId, at: 10)])
        let change = pool.recordCorrectAnswer(to: q1, firstTry: true, sessionId: "s-1", now: 20)
        #expect(change == .unchanged)
        #expect(pool.entry(for: Fixture.ref("q-1", bank: Fixture.otherBankId))?.remainingTries == 2)
    }

    @Test func duplicateEntriesKeepTheOlder() {
        let pool = WrongAnswerPool(entries: [Fixture.entry("q-1", at: 20, tries: 1), Fixture.entry("q-1", at: 10)])
        #expect(pool.entries == [Fixture.entry("q-1", at: 10)])
    }

    @Test func entriesOwnedByASessionOldestFirst() {
        let pool = WrongAnswerPool(entries: [
            Fixture.entry("q-1", at: 30, session: "s-1"),
            Fixture.entry("q-2", at: 20, session: "s-2"),
            Fixture.entry("q-3", at: 10, session: "s-1"),
        ])
        #expect(pool.entries(ownedBy: "s-1").map(\.questionId) == ["q-3", "q-1"])
        #expect(pool.entries(ownedBy: "s-3").isEmpty)
    }

    @Test func roundTripsThroughJSON() throws {
        var pool = WrongAnswerPool(entries: [Fixture.entry("q-1", at: 10, tries: 1), Fixture.entry("q-2", at: 5)])
        _ = pool.recordCorrectAnswer(to: Fixture.ref("q-3"), firstTry: false, sessionId: "s-9", now: 50)
        let decoded = try JSONDecoder().decode(WrongAnswerPool.self, from: JSONEncoder().encode(pool))
        #expect(decoded == pool)
        #expect(decoded.version == 1)
    }

    @Test func decodingRestoresTheOrder() throws {
        let json = """
            {"version": 3, "entries": [
              {"bankId": "bank-1", "questionId": "q-2", "enteredAt": 20, "remainingTries": 1, "sessionId": "s-1"},
              {"bankId": "bank-1", "questionId": "q-1", "enteredAt": 10, "remainingTries": 2, "sessionId": "s-1"}
            ]}
            """
        let pool = try JSONDecoder().decode(WrongAnswerPool.self, from: Data(json.utf8))
        #expect(pool.entries.map(\.questionId) == ["q-1", "q-2"])
        #expect(pool.version == 3)
        #expect(pool.penaltyIndicator == "(+1 Question @ 2 Tries) (+1 Question @ 1 Try)")
    }

    // MARK: - Penalty indicator

    @Test(arguments: [
        ([Int](), ""),
        ([2], "(+1 Question @ 2 Tries)"),
        ([1], "(+1 Question @ 1 Try)"),
        ([2, 2], "(+2 Questions @ 2 Tries)"),
        ([1, 1, 1], "(+3 Questions @ 1 Try)"),
        ([2, 1, 2], "(+2 Questions @ 2 Tries) (+1 Question @ 1 Try)"),
        ([1, 2], "(+1 Question @ 2 Tries) (+1 Question @ 1 Try)"),
        ([1, 1, 2], "(+1 Question @ 2 Tries) (+2 Questions @ 1 Try)"),
    ])
    func penaltyIndicatorGroupsByRemainingTriesMostFirst(tries: [Int], expected: String) {
        let entries = tries.enumerated().map { index, tries in
            Fixture.entry("q-\(index)", at: Int64(index), tries: tries)
        }
        let pool = WrongAnswerPool(entries: entries)
        #expect(pool.penaltyIndicator == expected)
        #expect(PenaltyIndicator(pool: pool).description == expected)
    }

    @Test func penaltyIndicatorGroupsCarryTheCounts() {
        let pool = WrongAnswerPool(entries: [
            Fixture.entry("q-1", at: 1, tries: 1),
            Fixture.entry("q-2", at: 2, tries: 2),
            Fixture.entry("q-3", at: 3, tries: 2),
        ])
        #expect(
            PenaltyIndicator(pool: pool).groups == [
                PenaltyIndicator.Group(remainingTries: 2, questionCount: 2),
                PenaltyIndicator.Group(remainingTries: 1, questionCount: 1),
            ]
        )
    }

    @Test func penaltyIndicatorCountsEntriesOfEverySessionAndBank() {
        let pool = WrongAnswerPool(entries: [
            Fixture.entry("q-1", at: 1, session: "s-1"),
            Fixture.entry("q-1", bank: Fixture.otherBankId, at: 2, session: "s-2"),
        ])
        #expect(pool.penaltyIndicator == "(+2 Questions @ 2 Tries)")
    }
}
