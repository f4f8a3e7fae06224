import QuizEngine
import QuizHTTP

/// Checks on request fields, collecting every problem so a client fixes them all at once.
enum Validation {
    /// Ids and categories: 1 to `maximumLength` bytes of `[A-Za-z0-9._:-]`, as path ids are
    /// (`Identifier`, docs/http-contract.md#identifiers).
    static func identifier(
        _ value: String, field: String, maximumLength: Int = Identifier.maximumBytes, into problems: inout [APIError.Detail]
    ) {
        guard Identifier.problem(with: value, maximumBytes: maximumLength) != nil else { return }
        problems.append(APIError.Detail(field: field, message: Identifier.requirement(maximumBytes: maximumLength)))
    }

    /// An optional number within a range.
    static func range(_ value: Int?, _ range: ClosedRange<Int>, field: String, into problems: inout [APIError.Detail]) {
        guard let value, !range.contains(value) else { return }
        problems.append(APIError.Detail(field: field, message: "must be between \(range.lowerBound) and \(range.upperBound)"))
    }
}
