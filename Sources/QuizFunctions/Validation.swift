import QuizHTTP

/// Checks on request fields, collecting every problem so a client fixes them all at once.
enum Validation {
    /// Ids and categories: 1 to `maximumLength` characters of `[A-Za-z0-9._:-]`, as path ids are.
    static func identifier(_ value: String, field: String, maximumLength: Int = 128, into problems: inout [APIError.Detail]) {
        guard (1...maximumLength).contains(value.utf8.count),
            value.utf8.allSatisfy({ isIdentifierByte($0) })
        else {
            problems.append(APIError.Detail(field: field, message: "must be 1 to \(maximumLength) characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'"))
            return
        }
    }

    /// An optional number within a range.
    static func range(_ value: Int?, _ range: ClosedRange<Int>, field: String, into problems: inout [APIError.Detail]) {
        guard let value, !range.contains(value) else { return }
        problems.append(APIError.Detail(field: field, message: "must be between \(range.lowerBound) and \(range.upperBound)"))
    }

    static func isIdentifierByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}
