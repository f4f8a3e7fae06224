/// How well a question was recalled at a review: FSRS's four grades (docs/memory-model.md).
///
/// Quiz answers give only two of them (the first try of a serving: correct = `good`, wrong =
/// `again`); flashcard learners rate themselves with all four. The raw values are the grades'
/// numbers, which the API and the stored item use.
public enum ReviewRating: Int, Codable, Sendable, Hashable, CaseIterable, Comparable {
    /// Forgotten.
    case again = 1
    /// Recalled with serious difficulty.
    case hard = 2
    /// Recalled.
    case good = 3
    /// Recalled easily.
    case easy = 4

    /// The rating numbered `value`.
    ///
    /// - Throws: `invalidRating` unless `value` is 1…4.
    public init(number value: Int) throws(MemoryError) {
        guard let rating = ReviewRating(rawValue: value) else {
            throw .invalidRating("a rating is 1 (again) to 4 (easy), got \(value)")
        }
        self = rating
    }

    /// The rating for a 1–5 confidence scale: 1–2 → again, 3 → hard, 4 → good, 5 → easy.
    ///
    /// - Throws: `invalidRating` unless `confidence` is 1…5.
    public init(confidence: Int) throws(MemoryError) {
        switch confidence {
        case 1, 2: self = .again
        case 3: self = .hard
        case 4: self = .good
        case 5: self = .easy
        default: throw .invalidRating("a confidence is 1 to 5, got \(confidence)")
        }
    }

    /// The rating a quiz answer records at the first try of a serving.
    public init(correct: Bool) {
        self = correct ? .good : .again
    }

    /// The rating's name as the API spells it: `again`, `hard`, `good`, `easy`.
    public var name: String {
        switch self {
        case .again: "again"
        case .hard: "hard"
        case .good: "good"
        case .easy: "easy"
        }
    }

    /// The rating named `name` (`again`, `hard`, `good`, `easy`), if it is one.
    public init?(name: String) {
        guard let rating = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = rating
    }

    /// Whether the question was recalled: anything better than `again`.
    public var isRecall: Bool { self != .again }

    /// Orders by grade.
    public static func < (lhs: ReviewRating, rhs: ReviewRating) -> Bool { lhs.rawValue < rhs.rawValue }
}
