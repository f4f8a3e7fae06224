/// Decodes `Decodable` values from attribute values, the inverse of `AttributeEncoder`.
///
/// - `.string`, `.bool` and `.number` decode to the matching Swift scalars. An integer type
///   accepts only a number that is integral and in its range; `Double` and `Float` accept any
///   number in their range.
/// - `.map` decodes through keyed containers, `.list` through unkeyed ones.
/// - A missing key or `.null` decodes as `nil` for an optional (`decodeIfPresent`, and
///   `decodeNil(forKey:)` answers `true` for both), since the encoder leaves `nil` properties out.
/// - `superDecoder()` reads the key `super`, or the next element of a list.
///
/// Errors are standard `DecodingError`s whose `codingPath` names the field: `keyNotFound` for
/// a missing attribute, `typeMismatch` for one of another type, `valueNotFound` for `.null`
/// where a value is required, and `dataCorrupted` for a number the type cannot hold. Their
/// descriptions name types, never the stored values.
public struct AttributeDecoder: Sendable {
    /// Context for custom `init(from:)` implementations, handed over as `Decoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// A decoder with the given context for custom `init(from:)` implementations.
    public init(userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.userInfo = userInfo
    }

    /// The value of type `T` that `value` holds.
    ///
    /// - Throws: a `DecodingError` when `value` does not match `T`, or any error `T`'s own
    ///   `init(from:)` throws.
    public func decode<T: Decodable>(_ type: T.Type = T.self, from value: AttributeValue) throws -> T {
        try AttributeDecodingNode(value: value, parent: nil, key: nil, userInfo: userInfo).decode(type)
    }

    /// The value of type `T` whose properties are the attributes of `item`.
    ///
    /// - Throws: a `DecodingError` when the attributes do not match `T`, or any error `T`'s
    ///   own `init(from:)` throws.
    public func decode<T: Decodable>(_ type: T.Type = T.self, from item: Item) throws -> T {
        try decode(type, from: .map(item.attributes))
    }
}

// MARK: - Decoding tree

/// One level of a decoding: the `Decoder` a value decodes itself from, which is also its
/// single-value container. Levels hold their attribute value, whose lists and maps are shared
/// with the levels above rather than copied.
final class AttributeDecodingNode: AttributeCodingNode, Decoder {
    let value: AttributeValue
    let parent: AttributeDecodingNode?
    let key: (any CodingKey)?
    let userInfo: [CodingUserInfoKey: Any]

    init(value: AttributeValue, parent: AttributeDecodingNode?, key: (any CodingKey)?, userInfo: [CodingUserInfoKey: Any]) {
        self.value = value
        self.parent = parent
        self.key = key
        self.userInfo = userInfo
    }

    /// A child level for a value below this one.
    func child(_ value: AttributeValue, at key: any CodingKey) -> AttributeDecodingNode {
        AttributeDecodingNode(value: value, parent: self, key: key, userInfo: userInfo)
    }

    /// Decodes a value below this level: scalars directly, anything else through its
    /// `init(from:)` on a child level.
    func decode<T: Decodable>(_ type: T.Type, from value: AttributeValue, at key: any CodingKey) throws -> T {
        if let scalarType = T.self as? any AttributeScalar.Type {
            // The cast cannot fail: `scalarType` is `T.self`.
            return try scalarType.init(attribute: value, codingPath: codingPath(appending: key)) as! T
        }
        return try T(from: child(value, at: key))
    }

    // MARK: Decoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .map(let entries) = value else {
            throw DecodingError.mismatch(
                [String: AttributeValue].self, expecting: "a map", found: value, codingPath: codingPath)
        }
        return KeyedDecodingContainer(KeyedAttributeDecodingContainer(node: self, entries: entries))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .list(let elements) = value else {
            throw DecodingError.mismatch([AttributeValue].self, expecting: "a list", found: value, codingPath: codingPath)
        }
        return UnkeyedAttributeDecodingContainer(node: self, elements: elements)
    }

    func singleValueContainer() -> any SingleValueDecodingContainer { self }
}

// MARK: - Single-value container

extension AttributeDecodingNode: SingleValueDecodingContainer {
    func decodeNil() -> Bool { value.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try scalar(type) }
    func decode(_ type: String.Type) throws -> String { try scalar(type) }
    func decode(_ type: Double.Type) throws -> Double { try scalar(type) }
    func decode(_ type: Float.Type) throws -> Float { try scalar(type) }
    func decode(_ type: Int.Type) throws -> Int { try scalar(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try scalar(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try scalar(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try scalar(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try scalar(type) }
    func decode(_ type: Int128.Type) throws -> Int128 { try scalar(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try scalar(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try scalar(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try scalar(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try scalar(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try scalar(type) }
    func decode(_ type: UInt128.Type) throws -> UInt128 { try scalar(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let scalarType = T.self as? any AttributeScalar.Type {
            // The cast cannot fail: `scalarType` is `T.self`.
            return try scalarType.init(attribute: value, codingPath: codingPath) as! T
        }
        return try T(from: self)
    }

    private func scalar<S: AttributeScalar>(_ type: S.Type) throws -> S {
        try S(attribute: value, codingPath: codingPath)
    }
}

// MARK: - Keyed container

/// The keyed container of a decoding level: the entries of a `.map`.
struct KeyedAttributeDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let node: AttributeDecodingNode
    let entries: [String: AttributeValue]

    var codingPath: [any CodingKey] { node.codingPath }

    var allKeys: [Key] { entries.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { entries[key.stringValue] != nil }

    // A missing key reads as nil too: the encoder leaves nil properties out.
    func decodeNil(forKey key: Key) -> Bool { entries[key.stringValue]?.isNull ?? true }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try scalar(type, key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try scalar(type, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try scalar(type, key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try scalar(type, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try scalar(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try scalar(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try scalar(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try scalar(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try scalar(type, key) }
    func decode(_ type: Int128.Type, forKey key: Key) throws -> Int128 { try scalar(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try scalar(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try scalar(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try scalar(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try scalar(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try scalar(type, key) }
    func decode(_ type: UInt128.Type, forKey key: Key) throws -> UInt128 { try scalar(type, key) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try node.decode(type, from: value(forKey: key), at: key)
    }

    // One lookup each, where the standard implementations ask `contains`, `decodeNil` and `decode` in turn.
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try scalarIfPresent(type, key) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try scalarIfPresent(type, key) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try scalarIfPresent(type, key) }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try scalarIfPresent(type, key) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try scalarIfPresent(type, key) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try scalarIfPresent(type, key) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try scalarIfPresent(type, key) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try scalarIfPresent(type, key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try scalarIfPresent(type, key) }
    func decodeIfPresent(_ type: Int128.Type, forKey key: Key) throws -> Int128? { try scalarIfPresent(type, key) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try scalarIfPresent(type, key) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try scalarIfPresent(type, key) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try scalarIfPresent(type, key) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try scalarIfPresent(type, key) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try scalarIfPresent(type, key) }
    func decodeIfPresent(_ type: UInt128.Type, forKey key: Key) throws -> UInt128? { try scalarIfPresent(type, key) }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let value = entries[key.stringValue], !value.isNull else { return nil }
        return try node.decode(type, from: value, at: key)
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try node.child(value(forKey: key), at: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try node.child(value(forKey: key), at: key).unkeyedContainer()
    }

    func superDecoder() -> any Decoder { node.child(entries["super"] ?? .null, at: AttributeCodingKey.super) }

    func superDecoder(forKey key: Key) -> any Decoder { node.child(entries[key.stringValue] ?? .null, at: key) }

    private func value(forKey key: Key) throws -> AttributeValue {
        guard let value = entries[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key,
                DecodingError.Context(codingPath: node.codingPath, debugDescription: "No attribute named \"\(key.stringValue)\"."))
        }
        return value
    }

    private func scalar<S: AttributeScalar>(_ type: S.Type, _ key: Key) throws -> S {
        try S(attribute: value(forKey: key), codingPath: node.codingPath(appending: key))
    }

    private func scalarIfPresent<S: AttributeScalar>(_ type: S.Type, _ key: Key) throws -> S? {
        guard let value = entries[key.stringValue], !value.isNull else { return nil }
        return try S(attribute: value, codingPath: node.codingPath(appending: key))
    }
}

// MARK: - Unkeyed container

/// The unkeyed container of a decoding level: the elements of a `.list`, read in order.
struct UnkeyedAttributeDecodingContainer: UnkeyedDecodingContainer {
    let node: AttributeDecodingNode
    let elements: [AttributeValue]
    private(set) var currentIndex = 0

    var codingPath: [any CodingKey] { node.codingPath }

    var count: Int? { elements.count }

    var isAtEnd: Bool { currentIndex >= elements.count }

    mutating func decodeNil() throws -> Bool {
        guard try next(Any?.self).isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try decode(scalar: type) }
    mutating func decode(_ type: String.Type) throws -> String { try decode(scalar: type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try decode(scalar: type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try decode(scalar: type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try decode(scalar: type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try decode(scalar: type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try decode(scalar: type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try decode(scalar: type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try decode(scalar: type) }
    mutating func decode(_ type: Int128.Type) throws -> Int128 { try decode(scalar: type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try decode(scalar: type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try decode(scalar: type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try decode(scalar: type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try decode(scalar: type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try decode(scalar: type) }
    mutating func decode(_ type: UInt128.Type) throws -> UInt128 { try decode(scalar: type) }

    // Each read moves past its element only once it has succeeded, as `JSONDecoder`'s do.
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoded = try node.decode(type, from: next(type), at: AttributeCodingKey.index(currentIndex))
        currentIndex += 1
        return decoded
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let container = try nextChild(KeyedDecodingContainer<NestedKey>.self).container(keyedBy: type)
        currentIndex += 1
        return container
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let container = try nextChild((any UnkeyedDecodingContainer).self).unkeyedContainer()
        currentIndex += 1
        return container
    }

    mutating func superDecoder() throws -> any Decoder {
        let decoder = try nextChild((any Decoder).self)
        currentIndex += 1
        return decoder
    }

    private mutating func decode<S: AttributeScalar>(scalar type: S.Type) throws -> S {
        let decoded = try S(attribute: next(type), codingPath: node.codingPath(appending: AttributeCodingKey.index(currentIndex)))
        currentIndex += 1
        return decoded
    }

    private func next(_ type: Any.Type) throws -> AttributeValue {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                type,
                DecodingError.Context(
                    codingPath: node.codingPath(appending: AttributeCodingKey.index(currentIndex)),
                    debugDescription: "The list has no element left."))
        }
        return elements[currentIndex]
    }

    private func nextChild(_ type: Any.Type) throws -> AttributeDecodingNode {
        try node.child(next(type), at: AttributeCodingKey.index(currentIndex))
    }
}
