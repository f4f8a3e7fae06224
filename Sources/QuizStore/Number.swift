/// A DynamoDB number (`N`): an exact 64-bit integer when the value is integral and fits, a double otherwise.
///
/// Numbers compare and hash by value, so `Number(3) == Number(3.0)`, as DynamoDB treats
/// `"3"` and `"3.0"` as the same number. The text form is DynamoDB's wire form.
public struct Number: Sendable, Hashable, Comparable, CustomStringConvertible {
    @usableFromInline
    enum Storage: Sendable {
        case int(Int64)
        case double(Double)
    }

    @usableFromInline
    let storage: Storage

    /// An exact integer.
    @inlinable
    public init(_ value: Int64) { storage = .int(value) }

    /// An exact integer.
    @inlinable
    public init(_ value: Int) { storage = .int(Int64(value)) }

    /// A floating-point value; integral values that fit in 64 bits are kept exact.
    public init(_ value: Double) {
        if value.rounded() == value, let exact = Int64(exactly: value) {
            storage = .int(exact)
        } else {
            storage = .double(value)
        }
    }

    /// Parses DynamoDB's text form (`"42"`, `"-1.5"`, `"1e3"`); `nil` for anything else, NaN and infinities included.
    public init?(_ text: some StringProtocol) {
        if let exact = Int64(text) {
            self.init(exact)
        } else if let value = Double(text), value.isFinite, text.allSatisfy({ $0.isNumber || "+-.eE".contains($0) }) {
            self = Number(value)
        } else {
            return nil
        }
    }

    /// The value as an integer when it is one.
    public var intValue: Int64? {
        switch storage {
        case .int(let value): value
        case .double: nil
        }
    }

    /// The value as a double (exact integers above 2^53 lose precision).
    public var doubleValue: Double {
        switch storage {
        case .int(let value): Double(value)
        case .double(let value): value
        }
    }

    /// The sum, exact for integers; `nil` when an integer sum would overflow 64 bits.
    public func adding(_ other: Number) -> Number? {
        if case .int(let lhs) = storage, case .int(let rhs) = other.storage {
            let (sum, overflow) = lhs.addingReportingOverflow(rhs)
            return overflow ? nil : Number(sum)
        }
        let sum = doubleValue + other.doubleValue
        return sum.isFinite ? Number(sum) : nil
    }

    /// The digits of the number as written, for the item-size estimate (sizes are computed on every
    /// write, so integers avoid formatting text).
    var significantDigits: Int {
        switch storage {
        case .int(let value):
            var magnitude = value.magnitude
            var digits = 1
            while magnitude >= 10 {
                magnitude /= 10
                digits += 1
            }
            return digits
        case .double:
            return description.utf8.count(where: { (0x30...0x39).contains($0) })
        }
    }

    /// DynamoDB's text form.
    public var description: String {
        switch storage {
        case .int(let value): String(value)
        case .double(let value): "\(value)"
        }
    }

    public static func == (lhs: Number, rhs: Number) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case (.int(let a), .int(let b)): a == b
        default: lhs.doubleValue == rhs.doubleValue
        }
    }

    public static func < (lhs: Number, rhs: Number) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case (.int(let a), .int(let b)): a < b
        default: lhs.doubleValue < rhs.doubleValue
        }
    }

    public func hash(into hasher: inout Hasher) {
        // Integral doubles are stored as .int, so hashing the double form keeps
        // hashing consistent with ==.
        switch storage {
        case .int(let value): hasher.combine(value)
        case .double(let value): hasher.combine(value)
        }
    }
}

extension Number: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    public init(integerLiteral value: Int64) { self.init(value) }
    public init(floatLiteral value: Double) { self.init(value) }
}
