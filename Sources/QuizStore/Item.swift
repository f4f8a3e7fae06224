/// One item of a table: a map from attribute names to values, key attributes included.
public struct Item: Sendable, Hashable {
    /// The attributes, key attributes included.
    public var attributes: [String: AttributeValue]

    /// An item with these attributes.
    public init(_ attributes: [String: AttributeValue] = [:]) {
        self.attributes = attributes
    }

    /// The value of one attribute, `nil` when the item does not have it.
    public subscript(name: String) -> AttributeValue? {
        get { attributes[name] }
        set { attributes[name] = newValue }
    }

    /// The text of a string attribute.
    public func string(_ name: String) -> String? { attributes[name]?.stringValue }

    /// The value of an integral number attribute.
    public func int(_ name: String) -> Int64? { attributes[name]?.intValue }

    /// The value of a boolean attribute.
    public func bool(_ name: String) -> Bool? { attributes[name]?.boolValue }

    /// The item's size as DynamoDB counts it against its 400 KB limit: every attribute
    /// name plus its value
    /// ([item sizes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html)).
    public var size: Int {
        attributes.reduce(0) { $0 + $1.key.utf8.count + Self.size(of: $1.value) }
    }

    /// DynamoDB's item size limit, 400 KB.
    public static let maximumSize = 400 * 1024

    private static func size(of value: AttributeValue) -> Int {
        switch value {
        case .string(let text): text.utf8.count
        // Numbers take about one byte per two significant digits, plus one.
        case .number(let number): (number.significantDigits + 1) / 2 + 1
        case .binary(let bytes): bytes.count
        case .bool, .null: 1
        case .list(let elements): 3 + elements.reduce(0) { $0 + 1 + size(of: $1) }
        case .map(let entries): 3 + entries.reduce(0) { $0 + 1 + $1.key.utf8.count + size(of: $1.value) }
        }
    }
}

extension Item: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, AttributeValue)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
