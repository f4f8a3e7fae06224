/// The one JSON parser of the service: strict RFC 8259, one pass over UTF-8 bytes, no failure
/// path but the first error, which it places by byte offset (``JSONParseError``; line and column
/// from ``JSONParseError/position(in:)``).
///
/// Strict means it refuses, rather than guesses at, what the RFC does not allow: trailing commas,
/// comments, single quotes, leading zeros, raw control characters in strings, invalid UTF-8,
/// unpaired surrogate escapes, anything after the value. Where the RFC leaves the choice to the
/// parser, ``Options`` makes it: how deep documents may nest and what a repeated member name
/// means. The choices on the JSON test suite's implementation-defined cases are listed in
/// `docs/json.md`.
public struct JSONParser {
    /// The choices the RFC leaves to a parser.
    public struct Options: Sendable, Hashable {
        /// What a name given twice in one object means (RFC 8259 §4 leaves it open).
        public enum DuplicateNames: Sendable, Hashable {
            /// The text is refused with ``JSONParseError/Code/duplicateName``.
            case reject
            /// The last value counts, as in JavaScript's `JSON.parse`; the member keeps the
            /// place of its first occurrence.
            case keepLast
        }

        /// The deepest nesting of arrays and objects accepted; it bounds the parser's recursion,
        /// so a hostile text cannot exhaust the stack.
        public var maximumDepth: Int
        /// What a repeated member name means.
        public var duplicateNames: DuplicateNames

        /// Options; by default 512 levels, as `JSONDecoder`, and the last of repeated names
        /// winning, which accepts every text the JSON test suite calls valid. Readers of a
        /// protocol whose senders never repeat a name refuse them instead.
        public init(maximumDepth: Int = 512, duplicateNames: DuplicateNames = .keepLast) {
            self.maximumDepth = maximumDepth
            self.duplicateNames = duplicateNames
        }
    }

    let bytes: UnsafeBufferPointer<UInt8>
    let options: Options
    /// The next byte to read.
    var index = 0

    private init(bytes: UnsafeBufferPointer<UInt8>, options: Options) {
        self.bytes = bytes
        self.options = options
    }

    // MARK: - Entry points

    /// The value of the JSON text `bytes`: one value, optionally surrounded by whitespace.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, options: Options = Options()) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, options: options)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw JSONParseError(.trailingText, at: parser.index) }
        return value
    }

    /// The value of the JSON text `bytes`; error offsets count from the first of them.
    public static func parse(_ bytes: some Collection<UInt8>, options: Options = Options()) throws(JSONParseError) -> JSONValue {
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) in try parse(buffer, options: options) }
        }
        if let result { return try result.get() }
        return try Array(bytes).withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) in try parse(buffer, options: options) }
        }.get()
    }

    /// The value of the JSON text `text`.
    public static func parse(_ text: String, options: Options = Options()) throws(JSONParseError) -> JSONValue {
        var text = text
        return try text.withUTF8 { buffer in
            Result { () throws(JSONParseError) in try parse(buffer, options: options) }
        }.get()
    }

    // MARK: - Grammar

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case UInt8(ascii: "t"):
            try expectLiteral("true", .expectedTrue)
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false", .expectedFalse)
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null", .expectedNull)
            return .null
        default: throw JSONParseError(.expectedValue, at: index)
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        try enter(depth: depth)
        var members = MemberList(duplicateNames: options.duplicateNames)
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members.object)
        }
        while true {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw JSONParseError(.expectedMemberName, at: index)
            }
            let nameOffset = index
            let name = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw JSONParseError(.expectedColon, at: index) }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            try members.add(name, value, at: nameOffset)
            skipWhitespace()
            guard index < bytes.count else { throw JSONParseError(.expectedCommaOrObjectEnd, at: index) }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                index += 1
                return .object(members.object)
            default:
                throw JSONParseError(.expectedCommaOrObjectEnd, at: index)
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        try enter(depth: depth)
        var elements: [JSONValue] = []
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw JSONParseError(.expectedCommaOrArrayEnd, at: index) }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default:
                throw JSONParseError(.expectedCommaOrArrayEnd, at: index)
            }
        }
    }

    /// Steps into an object or array at its opening bracket.
    private mutating func enter(depth: Int) throws(JSONParseError) {
        guard depth <= options.maximumDepth else { throw JSONParseError(.tooDeep, at: index) }
        index += 1
        skipWhitespace()
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` (RFC 8259 §6), kept as its text.
    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            try skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            try skipDigits()
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            try skipDigits()
        }
        // Only ASCII digits, signs, `.` and `e` were read: valid UTF-8 as they are.
        return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
    }

    /// One or more digits.
    private mutating func skipDigits() throws(JSONParseError) {
        let start = index
        while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 { index += 1 }
        guard index > start else { throw JSONParseError(.expectedDigit, at: index) }
    }

    /// `true`, `false` or `null`; a mismatch is placed at its first wrong byte.
    private mutating func expectLiteral(_ literal: StaticString, _ code: JSONParseError.Code) throws(JSONParseError) {
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for byte in expected {
            guard index < bytes.count, bytes[index] == byte else { throw JSONParseError(code, at: index) }
            index += 1
        }
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }
}

// MARK: - Members

/// The members of an object being read, with repeated names found as they come: by comparing
/// names while the object is small (most are), through an index of names once it grows, so a
/// hostile object of thousands of members costs linear time, not quadratic.
private struct MemberList {
    static let indexedFrom = 12

    let duplicateNames: JSONParser.Options.DuplicateNames
    var members: [(name: String, value: JSONValue)] = []
    var index: [String: Int]?

    init(duplicateNames: JSONParser.Options.DuplicateNames) {
        self.duplicateNames = duplicateNames
        // Room for a typical object at once (an event's sections hold up to a dozen members):
        // growing from empty reallocates the members four or five times.
        members.reserveCapacity(8)
    }

    var object: JSONObject { JSONObject(members) }

    mutating func add(_ name: String, _ value: JSONValue, at offset: Int) throws(JSONParseError) {
        if let existing = position(of: name) {
            guard duplicateNames == .keepLast else { throw JSONParseError(.duplicateName, at: offset) }
            members[existing].value = value
            return
        }
        members.append((name, value))
        if index != nil {
            index![name] = members.count - 1
        } else if members.count == Self.indexedFrom {
            var built: [String: Int] = [:]
            built.reserveCapacity(members.count * 2)
            for (position, member) in members.enumerated() { built[member.name] = position }
            index = built
        }
    }

    private func position(of name: String) -> Int? {
        if let index { return index[name] }
        for position in members.indices where members[position].name == name { return position }
        return nil
    }
}
