#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The formulas of FSRS-6 (docs/memory-model.md), one function each, as pure functions of the
/// weights.
///
/// They follow the published algorithm
/// (<https://github.com/open-spaced-repetition/fsrs4anki/wiki/The-Algorithm>) operation for
/// operation as the reference implementation evaluates it (`fsrs` 6.3.2, `scheduler.py`), down to
/// computing `e^x` as `pow(e, x)` the way Python's `math.e ** x` does, so that both produce the
/// same doubles on the same C library and agree far inside the 1e-4 the oracle test allows.
public struct FSRS: Sendable, Hashable {
    /// The smallest stability any formula returns (the reference's `STABILITY_MIN`), in days.
    public static let minimumStability = 0.001
    /// Difficulty is kept within 1…10.
    public static let difficultyRange: ClosedRange<Double> = 1...10

    /// Euler's number, as Python's `math.e`.
    private static let e = 2.718281828459045

    /// The weights.
    public let parameters: FSRSParameters

    /// The formulas for `parameters`.
    public init(parameters: FSRSParameters = .default) {
        self.parameters = parameters
    }

    private var w: FSRSParameters { parameters }

    // MARK: - Forgetting curve

    /// The probability of recall after `elapsedDays` whole days at `stability`:
    /// `(1 + factor · t / S)^decay`, with `t` never below 0.
    public func retrievability(elapsedDays: Int, stability: Double) -> Double {
        let elapsed = Double(max(0, elapsedDays))
        return pow(1 + parameters.factor * elapsed / stability, parameters.decay)
    }

    /// The whole days until retrievability falls to `desiredRetention`, rounded half to even as
    /// Python's `round` does, then clamped to `1…maximumDays`.
    public func intervalDays(stability: Double, desiredRetention: DesiredRetention, maximumDays: Int) -> Int {
        let exact = (stability / parameters.factor) * (pow(desiredRetention.value, 1 / parameters.decay) - 1)
        // A stability that makes the interval absurd (not finite) is as long as allowed.
        guard exact.isFinite else { return maximumDays }
        let rounded = exact.rounded(.toNearestOrEven)
        guard rounded < Double(maximumDays) else { return maximumDays }
        return max(Int(rounded), 1)
    }

    // MARK: - First review

    /// The stability after a first review rated `rating`: `w[rating - 1]`.
    public func initialStability(_ rating: ReviewRating) -> Double {
        max(w[rating.rawValue - 1], Self.minimumStability)
    }

    /// The difficulty after a first review rated `rating`: `w4 - e^(w5 · (rating - 1)) + 1`,
    /// clamped to 1…10 unless `clamped` is false (the mean-reversion target is not clamped).
    public func initialDifficulty(_ rating: ReviewRating, clamped: Bool = true) -> Double {
        let difficulty = w[4] - pow(Self.e, w[5] * Double(rating.rawValue - 1)) + 1
        return clamped ? Self.clampDifficulty(difficulty) : difficulty
    }

    // MARK: - Later reviews

    /// The difficulty after a review: a step of `-w6 · (rating - 3)`, damped linearly as the
    /// difficulty nears 10, then reverted towards the difficulty of a first `easy` by `w7`.
    public func nextDifficulty(_ difficulty: Double, rating: ReviewRating) -> Double {
        let target = initialDifficulty(.easy, clamped: false)
        let delta = -(w[6] * Double(rating.rawValue - 3))
        let damped = difficulty + (10.0 - difficulty) * delta / 9.0
        return Self.clampDifficulty(w[7] * target + (1 - w[7]) * damped)
    }

    /// The stability after a review at least one day after the last: recall or lapse.
    public func nextStability(
        difficulty: Double, stability: Double, retrievability: Double, rating: ReviewRating
    ) -> Double {
        let next =
            rating == .again
            ? lapseStability(difficulty: difficulty, stability: stability, retrievability: retrievability)
            : recallStability(
                difficulty: difficulty, stability: stability, retrievability: retrievability, rating: rating
            )
        return max(next, Self.minimumStability)
    }

    /// The stability after a successful review:
    /// `S · (1 + e^w8 · (11 - D) · S^-w9 · (e^((1 - R) · w10) - 1) · hardPenalty · easyBonus)`.
    public func recallStability(
        difficulty: Double, stability: Double, retrievability: Double, rating: ReviewRating
    ) -> Double {
        let hardPenalty = rating == .hard ? w[15] : 1
        let easyBonus = rating == .easy ? w[16] : 1
        return stability
            * (1 + pow(Self.e, w[8]) * (11 - difficulty) * pow(stability, -w[9])
                * (pow(Self.e, (1 - retrievability) * w[10]) - 1) * hardPenalty * easyBonus)
    }

    /// The stability after a lapse: `w11 · D^-w12 · ((S + 1)^w13 - 1) · e^((1 - R) · w14)`, but never
    /// more than `S / e^(w17 · w18)`, so that forgetting never makes a memory more stable.
    public func lapseStability(difficulty: Double, stability: Double, retrievability: Double) -> Double {
        let longTerm =
            w[11] * pow(difficulty, -w[12]) * (pow(stability + 1, w[13]) - 1)
            * pow(Self.e, (1 - retrievability) * w[14])
        let shortTerm = stability / pow(Self.e, w[17] * w[18])
        return min(longTerm, shortTerm)
    }

    /// The stability after a review less than a day after the last (FSRS-6's same-day formula):
    /// `S · e^(w17 · (rating - 3 + w18)) · S^-w19`, where the factor is at least 1 for a recall.
    public func sameDayStability(_ stability: Double, rating: ReviewRating) -> Double {
        var increase = pow(Self.e, w[17] * (Double(rating.rawValue - 3) + w[18])) * pow(stability, -w[19])
        if rating.isRecall {
            increase = max(increase, 1.0)
        }
        return max(stability * increase, Self.minimumStability)
    }

    private static func clampDifficulty(_ difficulty: Double) -> Double {
        min(max(difficulty, difficultyRange.lowerBound), difficultyRange.upperBound)
    }
}

/// `pow` for the parameters' derived constants, without making every file import the C library.
@inline(__always)
func pow(_ base: Double, _ exponent: Double) -> Double {
    #if canImport(Glibc)
    Glibc.pow(base, exponent)
    #elseif canImport(Musl)
    Musl.pow(base, exponent)
    #else
    Darwin.pow(base, exponent)
    #endif
}
