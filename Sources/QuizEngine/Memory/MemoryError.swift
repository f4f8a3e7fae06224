/// Why the memory model refused a value.
///
/// Errors compare by code and carry a message for the caller; the edge maps each code to its
/// HTTP status once (each code's documentation names the status it is meant for).
public struct MemoryError: Error, Sendable, CustomStringConvertible {
    /// What kind of refusal this is.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// A desired retention outside 0.70…0.97. 422.
        case invalidDesiredRetention
        /// A rating outside 1…4, or a confidence outside 1…5. 422.
        case invalidRating
        /// Model weights that are not 21 values within their bounds: a defect in configuration,
        /// not in a request. 500.
        case invalidParameters
    }

    /// What kind of refusal this is.
    public var code: Code
    /// A human-readable explanation for the caller.
    public var message: String

    /// An error with the given code and explanation.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }

    /// A desired retention outside the allowed range.
    public static func invalidDesiredRetention(_ value: Double) -> MemoryError {
        MemoryError(
            .invalidDesiredRetention,
            "desired retention must be between \(DesiredRetention.range.lowerBound) and "
                + "\(DesiredRetention.range.upperBound), got \(value)"
        )
    }

    /// A rating or confidence out of range.
    public static func invalidRating(_ message: String) -> MemoryError {
        MemoryError(.invalidRating, message)
    }

    /// Weights that do not form FSRS-6 parameters.
    public static func invalidParameters(_ message: String) -> MemoryError {
        MemoryError(.invalidParameters, message)
    }
}

extension MemoryError: Equatable {
    /// Errors are equal when their codes are.
    public static func == (lhs: MemoryError, rhs: MemoryError) -> Bool { lhs.code == rhs.code }
}
