import QuizEngine

#if canImport(Glibc)
import Glibc
#endif

/// A simulated learner whose true memory of every question follows FSRS-6 with the learner's own
/// weights, not the defaults the scheduler under test assumes.
///
/// Recall is drawn from the true retrievability at the moment of the review; a question never
/// reviewed is never recalled (no guessing). Each review updates the true memory with the rating
/// the review records (recalled = good, forgotten = again), as FSRS says memory changes.
struct Learner {
    /// The learner's true weights and the formulas that apply them.
    let truth: MemoryScheduler
    /// The true memory of each question, by index.
    private(set) var memory: [MemoryState]
    /// Reviews so far.
    private(set) var reviews = 0
    private var rng: SeededRandomGenerator

    init(weights: FSRSParameters, questions: Int, seed: UInt64) {
        truth = MemoryScheduler(parameters: weights)
        memory = Array(repeating: .new, count: questions)
        rng = SeededRandomGenerator(seed: seed)
    }

    /// Reviews question `index` at `time`: whether it was recalled, and the rating that records.
    mutating func review(_ index: Int, at time: EpochMilliseconds) -> ReviewRating {
        let recalled = unit() < memory[index].retrievability(at: time, parameters: truth.model.parameters)
        let rating = ReviewRating(correct: recalled)
        var unused = SeededRandomGenerator(seed: 0)
        memory[index] = truth.review(memory[index], rating: rating, at: time, using: &unused)
        reviews += 1
        return rating
    }

    /// How many questions the learner has met.
    var questionsMet: Int { memory.count { $0.state == .review } }

    /// The expected share of the questions the learner would recall at `time`.
    func expectedRecall(at time: EpochMilliseconds) -> Double {
        let parameters = truth.model.parameters
        return memory.reduce(0) { $0 + $1.retrievability(at: time, parameters: parameters) } / Double(memory.count)
    }

    private mutating func unit() -> Double {
        Double(rng.next() >> 11) * 0x1.0p-53
    }
}

// MARK: - Learners' weights

/// How the simulated learners' true weights differ from the defaults: each default weight times
/// `e^(spread · z)`, `z` standard normal, drawn per learner and weight, then clamped to the
/// reference's bounds. The scheduler under test still assumes the defaults.
enum LearnerWeights {
    static let spread = 0.3

    static func perturbed(seed: UInt64) -> FSRSParameters {
        var rng = SeededRandomGenerator(seed: seed)
        let weights = FSRSParameters.defaultWeights.enumerated().map { index, weight in
            let scaled = weight * exp(spread * standardNormal(using: &rng))
            return min(max(scaled, FSRSParameters.lowerBounds[index]), FSRSParameters.upperBounds[index])
        }
        // Clamped to the bounds, so always valid.
        return try! FSRSParameters(weights: weights)
    }

    /// A standard normal draw (Box–Muller).
    private static func standardNormal(using rng: inout SeededRandomGenerator) -> Double {
        let u1 = max(Double(rng.next() >> 11) * 0x1.0p-53, 0x1.0p-53)
        let u2 = Double(rng.next() >> 11) * 0x1.0p-53
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
