/// The share of reviews a learner wants to recall: the probability of recall at which a question
/// falls due (docs/memory-model.md). A per-user setting.
///
/// Higher retention means shorter intervals and more reviews: FSRS's own guidance is that above
/// about 0.97 the workload grows much faster than what is retained, and below 0.70 too much is
/// forgotten, so the setting is kept within 0.70…0.97.
public struct DesiredRetention: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The allowed values, both ends included.
    public static let range: ClosedRange<Double> = 0.70...0.97

    /// The default, 0.9 (the reference's default).
    public static let `default` = DesiredRetention(checked: 0.9)

    /// The retention, within `range`.
    public let value: Double

    /// A desired retention of `value`.
    ///
    /// - Throws: `invalidDesiredRetention` when `value` is outside 0.70…0.97 (or not a number).
    public init(_ value: Double) throws(MemoryError) {
        guard Self.range.contains(value) else { throw .invalidDesiredRetention(value) }
        self.init(checked: value)
    }

    private init(checked value: Double) {
        self.value = value
    }

    /// Decodes a bare number and checks it as `init(_:)` does.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let value = try container.decode(Double.self)
        do {
            try self.init(value)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes as a bare number.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    /// Orders by value.
    public static func < (lhs: DesiredRetention, rhs: DesiredRetention) -> Bool { lhs.value < rhs.value }

    /// The value, e.g. `0.9`.
    public var description: String { "\(value)" }
}
