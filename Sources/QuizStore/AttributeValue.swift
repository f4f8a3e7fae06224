/// One typed value of an item, with the data types of DynamoDB
/// ([data types](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html)).
///
/// Sets are not modelled; lists and maps cover what the product stores.
public enum AttributeValue: Sendable, Hashable {
    /// `S`: UTF-8 text.
    case string(String)
    /// `N`: a number.
    case number(Number)
    /// `B`: raw bytes.
    case binary([UInt8])
    /// `BOOL`.
    case bool(Bool)
    /// `NULL`.
    case null
    /// `L`: an ordered list of values.
    case list([AttributeValue])
    /// `M`: a map from names to values.
    case map([String: AttributeValue])

    /// The text, when this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The number, when this is one.
    public var numberValue: Number? {
        if case .number(let value) = self { value } else { nil }
    }

    /// The integer, when this is an integral number.
    public var intValue: Int64? { numberValue?.intValue }

    /// The flag, when this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    /// The elements, when this is a list.
    public var listValue: [AttributeValue]? {
        if case .list(let value) = self { value } else { nil }
    }

    /// The entries, when this is a map.
    public var mapValue: [String: AttributeValue]? {
        if case .map(let value) = self { value } else { nil }
    }

    /// Orders two values of the same scalar type as DynamoDB does (strings and binaries by
    /// bytes, numbers by value); `nil` when the types differ or are not ordered.
    public func compare(to other: AttributeValue) -> ComparisonResult? {
        switch (self, other) {
        case (.string(let a), .string(let b)):
            return Self.compareBytes(Array(a.utf8), Array(b.utf8))
        case (.number(let a), .number(let b)):
            return a < b ? .ascending : (a == b ? .same : .descending)
        case (.binary(let a), .binary(let b)):
            return Self.compareBytes(a, b)
        default:
            return nil
        }
    }

    /// The result of ordering two values.
    public enum ComparisonResult: Sendable {
        case ascending, same, descending
    }

    private static func compareBytes(_ a: [UInt8], _ b: [UInt8]) -> ComparisonResult {
        for (x, y) in zip(a, b) where x != y {
            return x < y ? .ascending : .descending
        }
        return a.count == b.count ? .same : (a.count < b.count ? .ascending : .descending)
    }
}

extension AttributeValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .number(Number(value)) }
    public init(floatLiteral value: Double) { self = .number(Number(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: AttributeValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, AttributeValue)...) {
        self = .map(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}

extension AttributeValue {
    /// A number from an integer.
    public static func int(_ value: Int) -> AttributeValue { .number(Number(value)) }

    /// A number from an integer.
    public static func int(_ value: Int64) -> AttributeValue { .number(Number(value)) }

    /// A number from a double.
    public static func double(_ value: Double) -> AttributeValue { .number(Number(value)) }
}
