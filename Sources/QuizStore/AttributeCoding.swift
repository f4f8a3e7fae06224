// What `AttributeEncoder` and `AttributeDecoder` share: the scalar conversions, the coding keys
// for list positions and `super`, and coding paths built on demand.

// MARK: - Scalars

/// A standard-library scalar that the attribute coders convert directly, without a nested
/// encoder or decoder: strings, booleans, integers and binary floating-point numbers.
protocol AttributeScalar: Codable {
    /// The value as an attribute; throws an `EncodingError` when a number cannot hold it exactly.
    func attributeValue(codingPath: @autoclosure () -> [any CodingKey]) throws -> AttributeValue

    /// The scalar an attribute holds; throws a `DecodingError` when it holds another type or a
    /// number this type cannot represent.
    init(attribute: AttributeValue, codingPath: @autoclosure () -> [any CodingKey]) throws
}

extension String: AttributeScalar {
    func attributeValue(codingPath: @autoclosure () -> [any CodingKey]) -> AttributeValue { .string(self) }

    init(attribute: AttributeValue, codingPath: @autoclosure () -> [any CodingKey]) throws {
        guard case .string(let text) = attribute else {
            throw DecodingError.mismatch(String.self, found: attribute, codingPath: codingPath())
        }
        self = text
    }
}

extension Bool: AttributeScalar {
    func attributeValue(codingPath: @autoclosure () -> [any CodingKey]) -> AttributeValue { .bool(self) }

    init(attribute: AttributeValue, codingPath: @autoclosure () -> [any CodingKey]) throws {
        guard case .bool(let flag) = attribute else {
            throw DecodingError.mismatch(Bool.self, found: attribute, codingPath: codingPath())
        }
        self = flag
    }
}

extension AttributeScalar where Self: FixedWidthInteger {
    // A number keeps integers exactly only within Int64 (see `Number`): wider values are
    // refused rather than rounded.
    func attributeValue(codingPath: @autoclosure () -> [any CodingKey]) throws -> AttributeValue {
        guard let exact = Int64(exactly: self) else {
            throw EncodingError.invalidValue(
                self,
                EncodingError.Context(
                    codingPath: codingPath(),
                    debugDescription: "\(Self.self) value is outside Int64, the range a number holds exactly."))
        }
        return .number(Number(exact))
    }

    init(attribute: AttributeValue, codingPath: @autoclosure () -> [any CodingKey]) throws {
        guard case .number(let number) = attribute else {
            throw DecodingError.mismatch(Self.self, found: attribute, codingPath: codingPath())
        }
        // `Number` stores every integral value that fits in Int64 as an integer, so a number
        // without an integer form has a fractional part or is beyond Int64.
        guard let integer = number.intValue, let exact = Self(exactly: integer) else {
            let found = number.intValue == nil && number.doubleValue.rounded() != number.doubleValue
                ? "a number with a fractional part" : "a number out of its range"
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: codingPath(), debugDescription: "Expected \(Self.self) but found \(found)."))
        }
        self = exact
    }
}

extension AttributeScalar where Self: BinaryFloatingPoint {
    // DynamoDB numbers have no NaN or infinity.
    func attributeValue(codingPath: @autoclosure () -> [any CodingKey]) throws -> AttributeValue {
        guard isFinite else {
            throw EncodingError.invalidValue(
                self,
                EncodingError.Context(
                    codingPath: codingPath(), debugDescription: "\(Self.self) value is not finite; a number must be."))
        }
        return .number(Number(Double(self)))
    }

    init(attribute: AttributeValue, codingPath: @autoclosure () -> [any CodingKey]) throws {
        guard case .number(let number) = attribute else {
            throw DecodingError.mismatch(Self.self, found: attribute, codingPath: codingPath())
        }
        let value = Self(number.doubleValue)
        guard value.isFinite else {
            let reason = "Expected \(Self.self) but found a number out of its range."
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: codingPath(), debugDescription: reason))
        }
        self = value
    }
}

extension Int: AttributeScalar {}
extension Int8: AttributeScalar {}
extension Int16: AttributeScalar {}
extension Int32: AttributeScalar {}
extension Int64: AttributeScalar {}
extension Int128: AttributeScalar {}
extension UInt: AttributeScalar {}
extension UInt8: AttributeScalar {}
extension UInt16: AttributeScalar {}
extension UInt32: AttributeScalar {}
extension UInt64: AttributeScalar {}
extension UInt128: AttributeScalar {}
extension Float: AttributeScalar {}
extension Double: AttributeScalar {}

// MARK: - Errors

extension DecodingError {
    /// The error for an attribute of the wrong type: `valueNotFound` for `.null`, as
    /// `JSONDecoder` does for `null`, `typeMismatch` for anything else.
    static func mismatch(
        _ type: Any.Type, expecting expected: String? = nil, found value: AttributeValue, codingPath: [any CodingKey]
    ) -> DecodingError {
        let expected = expected ?? "\(type)"
        if case .null = value {
            return .valueNotFound(
                type, Context(codingPath: codingPath, debugDescription: "Expected \(expected) but found null instead."))
        }
        return .typeMismatch(
            type,
            Context(codingPath: codingPath, debugDescription: "Expected \(expected) but found \(value.kindDescription) instead."))
    }
}

extension AttributeValue {
    /// Whether this is `.null`.
    var isNull: Bool {
        if case .null = self { true } else { false }
    }

    /// The type of the value, for error messages; never the value itself, which may be an answer.
    var kindDescription: String {
        switch self {
        case .string: "a string"
        case .number: "a number"
        case .binary: "binary data"
        case .bool: "a boolean"
        case .null: "null"
        case .list: "a list"
        case .map: "a map"
        }
    }
}

// MARK: - Coding paths

/// The keys the coders make up themselves: a position in a list (`Index 3`, as `JSONDecoder`
/// names it) and the `super` key of `superEncoder()` and `superDecoder()`.
enum AttributeCodingKey: CodingKey, Sendable {
    case index(Int)
    case `super`

    var stringValue: String {
        switch self {
        case .index(let index): "Index \(index)"
        case .super: "super"
        }
    }

    var intValue: Int? {
        if case .index(let index) = self { index } else { nil }
    }

    init?(stringValue: String) {
        guard stringValue == "super" else { return nil }
        self = .super
    }

    init?(intValue: Int) { self = .index(intValue) }
}

/// One level of an encoding or decoding tree. Each level knows only its own key and its parent,
/// so a coding path costs nothing until it is asked for, which is mostly when reporting an error.
protocol AttributeCodingNode: AnyObject {
    /// The level above, `nil` at the top.
    var parent: Self? { get }
    /// The key of this level within its parent, `nil` at the top.
    var key: (any CodingKey)? { get }
}

extension AttributeCodingNode {
    /// The keys from the top level down to this one.
    var codingPath: [any CodingKey] {
        var path: [any CodingKey] = []
        var level: Self? = self
        while let current = level {
            if let key = current.key { path.append(key) }
            level = current.parent
        }
        return path.reversed()
    }

    /// The path of a value below this level.
    func codingPath(appending key: any CodingKey) -> [any CodingKey] {
        var path = codingPath
        path.append(key)
        return path
    }
}
