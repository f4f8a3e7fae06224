import QuizEngine
import Testing

@Suite struct ServedQuestionTests {
    static let picked = PickedQuestion(Fixture.ref("q-1"), origin: .sessionSet)

    static func choiceIds(_ count: Int) -> [String] {
        Array(["a", "b", "c", "d", "e"].prefix(count))
    }

    @Test func firstServingInBankOrderWhenNotShuffling() {
        var rng = SeededRandomGenerator(seed: 1)
        let served = ServedQuestion(picked: Self.picked, answerIds: ["a", "b", "c", "d"], shuffle: false, using: &rng)
        #expect(served.choiceOrder == ["a", "b", "c", "d"])
        #expect(!served.shuffled)
        #expect(served.wrongTries == 0)
        #expect(served.isFirstTry)
        #expect(served.ref == Fixture.ref("q-1"))
        #expect(served.origin == .sessionSet)
    }

    @Test func firstServingShuffledReachesEveryOrder() {
        var orders = Set<[String]>()
        for seed in UInt64(0)..<1000 {
            var rng = SeededRandomGenerator(seed: seed)
            let served = ServedQuestion(picked: Self.picked, answerIds: ["a", "b", "c"], shuffle: true, using: &rng)
            #expect(served.shuffled)
            #expect(served.choiceOrder.sorted() == ["a", "b", "c"])
            orders.insert(served.choiceOrder)
        }
        #expect(orders.count == 6)
    }

    @Test(arguments: [2, 3, 4])
    func everyRetryShowsADifferentOrder(choiceCount: Int) {
        let ids = Self.choiceIds(choiceCount)
        for seed in UInt64(0)..<500 {
            var rng = SeededRandomGenerator(seed: seed)
            let shuffle = seed.isMultiple(of: 2)
            var served = ServedQuestion(picked: Self.picked, answerIds: ids, shuffle: shuffle, using: &rng)
            for retry in 1...10 {
                let next = served.retried(using: &rng)
                #expect(next.choiceOrder != served.choiceOrder, "seed \(seed), retry \(retry)")
                #expect(next.choiceOrder.sorted() == ids)
                #expect(next.wrongTries == retry)
                #expect(next.shuffled)
                #expect(!next.isFirstTry)
                served = next
            }
        }
    }

    @Test(arguments: [
        (["a", "b"], ["b", "a"]),
        (["a", "b", "c"], ["c", "a", "b"]),
        (["a", "b", "c", "d"], ["d", "a", "b", "c"]),
    ])
    func aShuffleThatRepeatsTheOrderFallsBackToARotation(ids: [String], expected: [String]) {
        // `high` makes every Fisher–Yates step keep its element, so the shuffle reproduces the order;
        // the rotation offset is then 1 + (n − 2), the last index of 1..<n.
        var rng = ScriptedRandom(ScriptedRandom.high)
        let served = ServedQuestion(picked: Self.picked, answerIds: ids, shuffle: false, using: &rng)
        let retried = served.retried(using: &rng)
        #expect(retried.choiceOrder == expected)
        #expect(rng.draws == (ids.count - 1) + 1)
    }

    @Test(arguments: [[String](), ["a"]])
    func fewerThanTwoChoicesKeepTheirOrder(ids: [String]) {
        var rng = SeededRandomGenerator(seed: 3)
        let served = ServedQuestion(picked: Self.picked, answerIds: ids, shuffle: true, using: &rng)
        let retried = served.retried(using: &rng)
        #expect(retried.choiceOrder == ids)
        #expect(retried.wrongTries == 1)
    }

    @Test func duplicateAnswerIdsAreServedOnce() {
        var rng = SeededRandomGenerator(seed: 4)
        let served = ServedQuestion(picked: Self.picked, answerIds: ["a", "b", "a"], shuffle: false, using: &rng)
        #expect(served.choiceOrder == ["a", "b"])
        #expect(served.retried(using: &rng).choiceOrder == ["b", "a"])
    }

    @Test func orderedAnswersFollowTheServedOrder() {
        var rng = ScriptedRandom(ScriptedRandom.high)
        let question = Fixture.question("q-1")
        let served = ServedQuestion(picked: Self.picked, answerIds: question.answerIds, shuffle: false, using: &rng)
            .retried(using: &rng)
        #expect(served.orderedAnswers(of: question).map(\.id) == ["d", "a", "b", "c"])
        #expect(served.orderedAnswers(of: question).map(\.text) == ["Answer d", "Answer a", "Answer b", "Answer c"])
    }
}
