/// Encodes `Encodable` values as attribute values, so domain records are stored as native items
/// whose attributes conditions, updates and queries can address.
///
/// The mapping follows DynamoDB's
/// [data types](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html):
/// - `String` becomes `.string`, `Bool` `.bool`, every integer and floating-point type `.number`.
///   A number holds integers exactly only within `Int64`: a wider one (a `UInt64` above
///   `Int64.max`) fails to encode instead of being rounded, as do NaN and the infinities.
/// - Keyed containers (structs, `[String: Value]`) become `.map`; unkeyed ones (arrays) `.list`.
///   `[UInt8]` is a list of numbers: `.binary` is left to code that builds items by hand.
/// - A `nil` property leaves its key out (`encodeIfPresent` and `encodeNil(forKey:)`), as items
///   leave out absent attributes. A `nil` that is itself a value — an element of a list, the
///   value of a `[String: Int?]` entry — is `.null`, so it decodes back as `nil`.
/// - `superEncoder()` is supported: a superclass's attributes go under the key `super`, or into
///   the next element of a list.
///
/// Errors are `EncodingError.invalidValue` whose `codingPath` names the failing field.
public struct AttributeEncoder: Sendable {
    /// Context for custom `encode(to:)` implementations, handed over as `Encoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// An encoder with the given context for custom `encode(to:)` implementations.
    public init(userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.userInfo = userInfo
    }

    /// The attribute value that `value` encodes to.
    ///
    /// - Throws: `EncodingError.invalidValue` for a value with no attribute form, or when the
    ///   value encodes nothing at all; any error the value's own `encode(to:)` throws.
    public func encode<T: Encodable>(_ value: T) throws -> AttributeValue {
        let root = AttributeEncodingNode(parent: nil, key: nil, userInfo: userInfo)
        try root.encode(value)
        guard let encoded = root.finish() else {
            let reason = "Top-level \(T.self) did not encode any values."
            throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: [], debugDescription: reason))
        }
        return encoded
    }

    /// The item that `value` encodes to: its properties become the item's attributes.
    ///
    /// - Throws: `EncodingError.invalidValue` when `value` does not encode to a map (a string, an
    ///   array, …), as well as everything `encode(_:)` throws.
    public func encodeItem<T: Encodable>(_ value: T) throws -> Item {
        let encoded = try encode(value)
        guard case .map(let attributes) = encoded else {
            let reason = "Top-level \(T.self) encoded as \(encoded.kindDescription); an item needs a keyed container."
            throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: [], debugDescription: reason))
        }
        return Item(attributes)
    }
}

// MARK: - Encoding tree

/// One level of an encoding: the `Encoder` a value encodes itself into, which is also its
/// single-value container. Values are built bottom-up: a level's `finish()` hands its value to
/// the level above, which stores it without copying.
final class AttributeEncodingNode: AttributeCodingNode, Encoder {
    private enum Shape { case empty, single, map, list }

    /// One write to a map, replayed in order by `finish()`; `pending` is a nested container or
    /// super encoder, filled in after it is handed out.
    private enum MapWrite { case value(AttributeValue), removal, pending(AttributeEncodingNode) }

    // Unowned because a level holds its pending children (nested containers, super encoders):
    // a strong reference back would be a cycle. A child never outlives the encoding it is part of.
    unowned let parent: AttributeEncodingNode?
    let key: (any CodingKey)?
    let userInfo: [CodingUserInfoKey: Any]

    private var shape = Shape.empty
    private var single = AttributeValue.null
    // Writes are kept in order and the dictionary is built once, at its final size, in
    // `finish()`: cheaper than growing it, and rehashing every key, field by field.
    private var mapWrites: [(name: String, write: MapWrite)] = []
    private(set) var elements: [AttributeValue] = []
    private var pendingElements: [(index: Int, node: AttributeEncodingNode)] = []

    init(parent: AttributeEncodingNode?, key: (any CodingKey)?, userInfo: [CodingUserInfoKey: Any]) {
        self.parent = parent
        self.key = key
        self.userInfo = userInfo
    }

    /// The value encoded at this level, `nil` when nothing was.
    func finish() -> AttributeValue? {
        switch shape {
        case .empty:
            return nil
        case .single:
            return single
        case .map:
            var entries = [String: AttributeValue](minimumCapacity: mapWrites.count)
            for (name, write) in mapWrites {
                switch write {
                case .value(let value): entries[name] = value
                case .removal: entries[name] = nil
                case .pending(let node): entries[name] = node.finish() ?? .map([:])
                }
            }
            return .map(entries)
        case .list:
            for (index, node) in pendingElements {
                elements[index] = node.finish() ?? .map([:])
            }
            return .list(elements)
        }
    }

    /// The attribute for a value below this level: scalars directly, anything else through
    /// its `encode(to:)` into a child level. A child that encodes nothing is an empty map, as
    /// `JSONEncoder` makes it `{}`.
    func attribute<T: Encodable>(for value: T, at key: any CodingKey) throws -> AttributeValue {
        if let scalar = value as? any AttributeScalar {
            return try scalar.attributeValue(codingPath: codingPath(appending: key))
        }
        let child = AttributeEncodingNode(parent: self, key: key, userInfo: userInfo)
        try value.encode(to: child)
        return child.finish() ?? .map([:])
    }

    /// Sets or, for `nil`, removes an entry of this map; the last write to a key wins.
    func store(_ value: AttributeValue?, forKey name: String) {
        mapWrites.append((name, value.map(MapWrite.value) ?? .removal))
    }

    /// Appends an element to this list.
    func append(_ value: AttributeValue) { elements.append(value) }

    /// A child level for the entry `key` of this map, filled in by the caller.
    func pendingChild(forKey key: any CodingKey) -> AttributeEncodingNode {
        let child = AttributeEncodingNode(parent: self, key: key, userInfo: userInfo)
        mapWrites.append((key.stringValue, .pending(child)))
        return child
    }

    /// A child level for the next element of this list, filled in by the caller.
    func pendingElement() -> AttributeEncodingNode {
        let child = AttributeEncodingNode(parent: self, key: AttributeCodingKey.index(elements.count), userInfo: userInfo)
        pendingElements.append((elements.count, child))
        elements.append(.null)
        return child
    }

    // MARK: Encoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        begin(.map)
        return KeyedEncodingContainer(KeyedAttributeEncodingContainer(node: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        begin(.list)
        return UnkeyedAttributeEncodingContainer(node: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    // Asking twice for the same kind of container is allowed (a subclass and its superclass
    // may share one); switching kinds is a bug in the value's `encode(to:)`, as in `JSONEncoder`.
    private func begin(_ container: Shape) {
        guard shape != container else { return }
        precondition(shape == .empty, "Attempt to encode a \(container) at \(codingPath) that already holds a \(shape)")
        shape = container
    }
}

// MARK: - Single-value container

extension AttributeEncodingNode: SingleValueEncodingContainer {
    func encodeNil() throws { try put(.null, encoding: AttributeValue.null) }
    func encode(_ value: Bool) throws { try put(value) }
    func encode(_ value: String) throws { try put(value) }
    func encode(_ value: Double) throws { try put(value) }
    func encode(_ value: Float) throws { try put(value) }
    func encode(_ value: Int) throws { try put(value) }
    func encode(_ value: Int8) throws { try put(value) }
    func encode(_ value: Int16) throws { try put(value) }
    func encode(_ value: Int32) throws { try put(value) }
    func encode(_ value: Int64) throws { try put(value) }
    func encode(_ value: Int128) throws { try put(value) }
    func encode(_ value: UInt) throws { try put(value) }
    func encode(_ value: UInt8) throws { try put(value) }
    func encode(_ value: UInt16) throws { try put(value) }
    func encode(_ value: UInt32) throws { try put(value) }
    func encode(_ value: UInt64) throws { try put(value) }
    func encode(_ value: UInt128) throws { try put(value) }

    func encode<T: Encodable>(_ value: T) throws {
        if let scalar = value as? any AttributeScalar {
            try put(scalar)
        } else {
            try requireEmpty(encoding: value)
            try value.encode(to: self)
        }
    }

    private func put(_ scalar: some AttributeScalar) throws {
        try put(scalar.attributeValue(codingPath: codingPath), encoding: scalar)
    }

    private func put(_ value: AttributeValue, encoding original: Any) throws {
        try requireEmpty(encoding: original)
        (single, shape) = (value, .single)
    }

    private func requireEmpty(encoding value: Any) throws {
        guard shape == .empty else {
            throw EncodingError.invalidValue(
                value, EncodingError.Context(codingPath: codingPath, debugDescription: "A value was already encoded at this path."))
        }
    }
}

// MARK: - Keyed container

/// The keyed container of an encoding level: the entries of a `.map`.
struct KeyedAttributeEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: AttributeEncodingNode

    var codingPath: [any CodingKey] { node.codingPath }

    // `encodeIfPresent` (the standard implementation) skips `nil` the same way.
    mutating func encodeNil(forKey key: Key) throws { node.store(nil, forKey: key.stringValue) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: String, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int128, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt128, forKey key: Key) throws { try put(value, key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        node.store(try node.attribute(for: value, at: key), forKey: key.stringValue)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        node.pendingChild(forKey: key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        node.pendingChild(forKey: key).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { node.pendingChild(forKey: AttributeCodingKey.super) }

    mutating func superEncoder(forKey key: Key) -> any Encoder { node.pendingChild(forKey: key) }

    private func put(_ value: some AttributeScalar, _ key: Key) throws {
        node.store(try value.attributeValue(codingPath: node.codingPath(appending: key)), forKey: key.stringValue)
    }
}

// MARK: - Unkeyed container

/// The unkeyed container of an encoding level: the elements of a `.list`.
struct UnkeyedAttributeEncodingContainer: UnkeyedEncodingContainer {
    let node: AttributeEncodingNode

    var codingPath: [any CodingKey] { node.codingPath }

    var count: Int { node.elements.count }

    mutating func encodeNil() throws { node.append(.null) }
    mutating func encode(_ value: Bool) throws { try put(value) }
    mutating func encode(_ value: String) throws { try put(value) }
    mutating func encode(_ value: Double) throws { try put(value) }
    mutating func encode(_ value: Float) throws { try put(value) }
    mutating func encode(_ value: Int) throws { try put(value) }
    mutating func encode(_ value: Int8) throws { try put(value) }
    mutating func encode(_ value: Int16) throws { try put(value) }
    mutating func encode(_ value: Int32) throws { try put(value) }
    mutating func encode(_ value: Int64) throws { try put(value) }
    mutating func encode(_ value: Int128) throws { try put(value) }
    mutating func encode(_ value: UInt) throws { try put(value) }
    mutating func encode(_ value: UInt8) throws { try put(value) }
    mutating func encode(_ value: UInt16) throws { try put(value) }
    mutating func encode(_ value: UInt32) throws { try put(value) }
    mutating func encode(_ value: UInt64) throws { try put(value) }
    mutating func encode(_ value: UInt128) throws { try put(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        node.append(try node.attribute(for: value, at: AttributeCodingKey.index(count)))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        node.pendingElement().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { node.pendingElement().unkeyedContainer() }

    mutating func superEncoder() -> any Encoder { node.pendingElement() }

    private func put(_ value: some AttributeScalar) throws {
        node.append(try value.attributeValue(codingPath: node.codingPath(appending: AttributeCodingKey.index(count))))
    }
}
