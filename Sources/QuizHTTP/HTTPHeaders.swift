/// HTTP header fields with case-insensitive names.
///
/// Names are stored in lower case, the form API Gateway itself uses for HTTP API events and the
/// form HTTP/2 requires. A field that occurs more than once holds its values joined by commas,
/// exactly as payload format 2.0 delivers duplicates
/// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html),
/// so a REST API event's `multiValueHeaders` and an HTTP API event's `headers` read the same.
/// `Set-Cookie`, the one field that cannot be comma-joined, is never a request field here: HTTP API
/// events carry cookies in their own `cookies` array.
public struct HTTPHeaders: Sendable, Hashable, Codable, ExpressibleByDictionaryLiteral {
    private var fields: [String: String]

    /// No fields.
    public init() {
        fields = [:]
    }

    /// Fields from name–value pairs; repeated names (in any case) are joined with commas in order.
    public init(_ pairs: some Sequence<(String, String)>) {
        fields = [:]
        for (name, value) in pairs {
            add(name, value)
        }
    }

    /// Fields from a literal such as `["Content-Type": "application/json"]`.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// The value of the field `name`, whatever its case; `nil` when absent. Setting `nil` removes it.
    public subscript(name: String) -> String? {
        get { fields[Self.lowercased(name)] }
        set { fields[Self.lowercased(name)] = newValue }
    }

    /// `name.lowercased()`, without building a new string for a name that is lower-case ASCII
    /// already, as nearly every name looked up is.
    private static func lowercased(_ name: String) -> String {
        name.utf8.allSatisfy({ $0 < 0x80 && !(UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) ? name : name.lowercased()
    }

    /// Adds a value to the field `name`, joining it to any value already there with a comma
    /// (RFC 9110 §5.3: a recipient may combine repeated fields this way).
    public mutating func add(_ name: String, _ value: String) {
        let key = Self.lowercased(name)
        if let existing = fields[key] {
            fields[key] = existing + "," + value
        } else {
            fields[key] = value
        }
    }

    /// Whether the field `name` is present, whatever its case.
    public func contains(_ name: String) -> Bool {
        fields[Self.lowercased(name)] != nil
    }

    /// The number of distinct field names.
    public var count: Int { fields.count }

    /// Whether there are no fields.
    public var isEmpty: Bool { fields.isEmpty }

    /// The fields as a dictionary keyed by lower-case name.
    public var dictionary: [String: String] { fields }

    // MARK: - Codable

    /// Decodes a JSON object of names to values, the `headers` shape of a proxy event or response.
    public init(from decoder: any Decoder) throws {
        let object = try decoder.singleValueContainer().decode([String: String].self)
        self.init(object.map { ($0.key, $0.value) })
    }

    /// Encodes the fields as a JSON object of lower-case names to values.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(fields)
    }
}

// MARK: - Sequence

extension HTTPHeaders: Sequence {
    /// A field: its lower-case name and its (comma-joined) value.
    public typealias Element = (name: String, value: String)

    /// The fields in order of name, so that iteration (and anything built from it) is deterministic.
    public func makeIterator() -> some IteratorProtocol<Element> {
        fields.sorted { $0.key < $1.key }.lazy.map { (name: $0.key, value: $0.value) }.makeIterator()
    }
}

// MARK: - Media types

extension HTTPHeaders {
    /// The media type of `Content-Type` without its parameters, in lower case
    /// (`"application/json"` for `Application/JSON; charset=utf-8`); `nil` when absent or empty.
    public var mediaType: String? {
        guard let value = self["content-type"] else { return nil }
        // A plain lower-case type without parameters, as nearly every client sends it, is its own essence.
        if value.utf8.allSatisfy({ Self.isPlainMediaTypeByte($0) }), !value.isEmpty { return value }
        let essence = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let trimmed = essence.trimmingASCIIWhitespace().lowercased()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The `charset` parameter of `Content-Type` in lower case, if given (quotes removed).
    public var charset: String? {
        guard let value = self["content-type"] else { return nil }
        guard value.utf8.contains(UInt8(ascii: ";")) else { return nil }
        for parameter in value.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingASCIIWhitespace().lowercased() == "charset" else { continue }
            var charset = pair[1].trimmingASCIIWhitespace()
            if charset.count >= 2, charset.hasPrefix("\""), charset.hasSuffix("\"") {
                charset = String(charset.dropFirst().dropLast())
            }
            return charset.lowercased()
        }
        return nil
    }
}

extension HTTPHeaders {
    /// A byte of a media type that needs no trimming or lower-casing: lower-case letters, digits
    /// and the punctuation of type names (no `;`, no whitespace, no upper case).
    fileprivate static func isPlainMediaTypeByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "/"), UInt8(ascii: "+"),
            UInt8(ascii: "-"), UInt8(ascii: "."):
            true
        default: false
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (HTTP's optional whitespace, RFC 9110
    /// §5.6.3); FoundationEssentials has no `trimmingCharacters(in:)`.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
