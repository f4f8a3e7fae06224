import QuizEngine
import Testing

/// `QuestionPicker.drawOrdinals`: a sample of a range too large to list.
@Suite("Drawing ordinals")
struct OrdinalDrawTests {
    @Test("distinct ordinals in range, all of them when the range is small, none of an empty range")
    func shape() {
        var rng = SeededRandomGenerator(seed: 11)
        for _ in 0..<200 {
            let drawn = QuestionPicker.drawOrdinals(count: 10, below: 50_000, using: &rng)
            #expect(drawn.count == 10 && Set(drawn).count == 10 && drawn.allSatisfy { (0..<50_000).contains($0) })
        }
        #expect(Set(QuestionPicker.drawOrdinals(count: 10, below: 4, using: &rng)) == [0, 1, 2, 3])
        #expect(QuestionPicker.drawOrdinals(count: 10, below: 0, using: &rng) == [])
        #expect(QuestionPicker.drawOrdinals(count: 0, below: 9, using: &rng) == [])
    }

    @Test("the same draws as a partial Fisher–Yates over the whole range, so the same uniformity")
    func sameAsFullShuffle() {
        for seed in UInt64(0)..<50 {
            var sparse = SeededRandomGenerator(seed: seed)
            var full = SeededRandomGenerator(seed: seed)
            let bound = 7 + Int(seed % 40)
            #expect(
                QuestionPicker.drawOrdinals(count: 5, below: Int64(bound), using: &sparse)
                    == QuestionPicker.drawQuestionSet(from: (0..<bound).map { String($0) }, count: 5, using: &full).map { Int64($0)! })
        }
    }
}
