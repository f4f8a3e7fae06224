/// Any JSON value, read without a schema, so that a wrong type in one field (`"answers": "x"`)
/// becomes an error of that field and row instead of failing the whole upload. Numbers keep no
/// value: no question field is a number, so a number is only ever reported as the wrong type.
enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// How an error message names this kind of value: `a string`, `an array`, ….
    var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Reads a JSON text (RFC 8259) into a `JSONValue`, or says where it first breaks the grammar.
///
/// Why not `JSONDecoder`: reading without a schema through `Decoder` means trying one type after
/// another, and each failed try costs about 15 µs (it builds a `DecodingError`), so decoding a
/// 5,000-question bank this way took 4.2 s of Lambda time in a release build, and an upload made
/// of wrong types took longer still. Decoding into a fixed shape is fast but cannot say which
/// field has the wrong type without the same failed tries. On Linux, `JSONDecoder` also reports no
/// position for malformed JSON, and it accepts trailing commas and raw line breaks in strings,
/// which the RFC (and `JSON.parse` in the author's browser) refuse. This parser is one linear pass
/// over the bytes with no failure path but the first syntax error, which it places exactly.
///
/// Object members with the same name keep the last value, as `JSON.parse` does. Strings must not
/// hold unpaired surrogate escapes (`\ud800`), which no Swift `String` can carry.
struct JSONParser {
    /// Where the text breaks the grammar and how.
    struct Failure: Error, Hashable {
        /// The index of the offending byte in the parsed slice.
        var offset: Int
        /// What was expected there, short and user-facing.
        var reason: String
    }

    /// The deepest nesting accepted, as in `JSONDecoder`; it bounds the parser's recursion.
    static let maximumDepth = 512

    let bytes: ArraySlice<UInt8>
    /// The next byte to read.
    var index: Int

    private init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    /// The value of the JSON text `bytes`: one value, optionally surrounded by whitespace.
    static func parse(_ bytes: ArraySlice<UInt8>) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.index < bytes.endIndex {
            throw parser.failure("unexpected text after the end of the JSON value")
        }
        return value
    }

    // MARK: - Grammar

    private mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
        guard let byte = peek() else { throw failure("the JSON text ends where a value is expected") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case .quote: return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case UInt8(ascii: "t"): return try parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return try parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return try parseLiteral("null", .null)
        default: throw failure("expected a JSON value")
        }
    }

    private mutating func parseObject(depth: Int) throws(Failure) -> JSONValue {
        try enter(depth: depth)
        var members: [String: JSONValue] = [:]
        if peek() == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            guard peek() == .quote else { throw failure("expected a member name in double quotes") }
            let name = try parseString()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw failure("expected ':' after the member name") }
            index += 1
            skipWhitespace()
            members[name] = try parseValue(depth: depth)
            guard try endOfElement(closer: UInt8(ascii: "}"), "expected ',' or '}'") else { continue }
            return .object(members)
        }
    }

    private mutating func parseArray(depth: Int) throws(Failure) -> JSONValue {
        try enter(depth: depth)
        var elements: [JSONValue] = []
        if peek() == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue(depth: depth))
            guard try endOfElement(closer: UInt8(ascii: "]"), "expected ',' or ']'") else { continue }
            return .array(elements)
        }
    }

    /// Steps into an object or array at its opening bracket.
    private mutating func enter(depth: Int) throws(Failure) {
        guard depth <= Self.maximumDepth else { throw failure("the JSON text is nested too deeply") }
        index += 1
        skipWhitespace()
    }

    /// After an element: `true` past the container's `closer`, `false` past a comma.
    private mutating func endOfElement(closer: UInt8, _ expected: String) throws(Failure) -> Bool {
        skipWhitespace()
        switch peek() {
        case .comma:
            index += 1
            skipWhitespace()
            return false
        case closer:
            index += 1
            return true
        default:
            throw failure(expected)
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` (RFC 8259 §6).
    private mutating func parseNumber() throws(Failure) -> JSONValue {
        if peek() == UInt8(ascii: "-") { index += 1 }
        if peek() == UInt8(ascii: "0") {
            index += 1
        } else {
            try skipDigits()
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            try skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            try skipDigits()
        }
        return .number
    }

    private mutating func skipDigits() throws(Failure) {
        guard let first = peek(), first.isDigit else { throw failure("expected a digit") }
        while let byte = peek(), byte.isDigit { index += 1 }
    }

    private mutating func parseLiteral(_ literal: String, _ value: JSONValue) throws(Failure) -> JSONValue {
        for expected in literal.utf8 {
            guard peek() == expected else { throw failure("expected \(literal)") }
            index += 1
        }
        return value
    }

    // MARK: - Reading bytes

    func peek(offset: Int = 0) -> UInt8? {
        index + offset < bytes.endIndex ? bytes[index + offset] : nil
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte.isJSONWhitespace { index += 1 }
    }

    func failure(_ reason: String, at offset: Int? = nil) -> Failure {
        Failure(offset: offset ?? index, reason: reason)
    }
}

extension UInt8 {
    var isDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
}
