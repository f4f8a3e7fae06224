/// A JSON value ([RFC 8259](https://www.rfc-editor.org/rfc/rfc8259)), read without a schema or
/// built to be written: API Gateway events on their fast path, DynamoDB's requests and answers,
/// uploaded question banks.
///
/// Numbers keep their text, so nothing passes through a `Double` on the way and a reader decides
/// what a number may be. Objects keep their members in document order (see ``JSONObject``).
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, as its JSON text (`12`, `-1.5e3`). Must follow the JSON number grammar: the
    /// parser only makes valid ones, and ``integer(_:)`` builds them from integers.
    case number(String)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object.
    case object(JSONObject)

    /// A number from an integer.
    public static func integer(_ value: Int) -> JSONValue { .number(String(value)) }

    // MARK: - Reading

    /// The member with this name, when this is an object that has it.
    public subscript(name: String) -> JSONValue? {
        if case .object(let members) = self { members[name] } else { nil }
    }

    /// The members, when this is an object.
    public var objectValue: JSONObject? {
        if case .object(let members) = self { members } else { nil }
    }

    /// The elements, when this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { elements } else { nil }
    }

    /// The text, when this is a string.
    public var stringValue: String? {
        if case .string(let text) = self { text } else { nil }
    }

    /// The flag, when this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let flag) = self { flag } else { nil }
    }

    /// The value of a number written as a plain integer (`-?[0-9]+`) that fits in `Int64`; `nil`
    /// for any other value, `1.0` and `1e2` included.
    public var integerValue: Int64? {
        guard case .number(let text) = self, !text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") })
        else { return nil }
        return Int64(text)
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { true } else { false }
    }
}
