/// The 21 trainable weights of FSRS-6, the memory model behind review scheduling
/// (docs/memory-model.md).
///
/// The defaults are the published FSRS-6 defaults, as the reference implementation ships them
/// (`DEFAULT_PARAMETERS` of the `fsrs` package 6.3.2,
/// <https://github.com/open-spaced-repetition/py-fsrs>). A value of this type always holds 21
/// weights within the reference's bounds: the initialiser checks them, so every formula can index
/// them without checking again.
public struct FSRSParameters: Codable, Sendable, Hashable {
    /// The published FSRS-6 defaults, `w0` … `w20`.
    public static let defaultWeights: [Double] = [
        0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796,
        1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
    ]

    /// The smallest value of every weight, as the reference bounds them (`LOWER_BOUNDS_PARAMETERS`).
    public static let lowerBounds: [Double] = [
        0.001, 0.001, 0.001, 0.001, 1.0, 0.001, 0.001, 0.001, 0.0, 0.0, 0.001,
        0.001, 0.001, 0.001, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.1,
    ]

    /// The largest value of every weight (`UPPER_BOUNDS_PARAMETERS`).
    public static let upperBounds: [Double] = [
        100.0, 100.0, 100.0, 100.0, 10.0, 4.0, 4.0, 0.75, 4.5, 0.8, 3.5,
        5.0, 0.25, 0.9, 4.0, 1.0, 6.0, 2.0, 2.0, 0.8, 0.8,
    ]

    /// The published defaults.
    public static let `default` = FSRSParameters(checked: defaultWeights)

    /// `w0` … `w20`.
    public let weights: [Double]

    /// Parameters with the given weights.
    ///
    /// - Throws: `invalidParameters` unless there are exactly 21 finite weights, each within
    ///   `lowerBounds[i]…upperBounds[i]`.
    public init(weights: [Double]) throws(MemoryError) {
        guard weights.count == Self.defaultWeights.count else {
            throw .invalidParameters("expected \(Self.defaultWeights.count) weights, got \(weights.count)")
        }
        for (index, weight) in weights.enumerated()
        where !(Self.lowerBounds[index]...Self.upperBounds[index]).contains(weight) {
            throw .invalidParameters(
                "w\(index) = \(weight) is outside \(Self.lowerBounds[index])…\(Self.upperBounds[index])"
            )
        }
        self.init(checked: weights)
    }

    private init(checked weights: [Double]) {
        self.weights = weights
        decay = -weights[20]
        factor = pow(0.9, 1 / decay) - 1
    }

    private enum CodingKeys: String, CodingKey {
        case weights
    }

    /// Decodes parameters and checks them as `init(weights:)` does.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let weights = try container.decode([Double].self, forKey: .weights)
        do {
            try self.init(weights: weights)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .weights, in: container, debugDescription: error.description)
        }
    }

    /// Weight `w<index>`.
    @inline(__always)
    subscript(_ index: Int) -> Double { weights[index] }

    /// The forgetting curve's decay, `-w20` (FSRS-6 made it trainable; FSRS-5 fixed it at -0.5).
    public let decay: Double

    /// The curve's factor, `0.9^(1/decay) - 1`, chosen so that retrievability is exactly 0.9 when
    /// the days elapsed equal the stability: that is what "stability" means. Kept, not recomputed:
    /// every retrievability needs it.
    public let factor: Double
}
