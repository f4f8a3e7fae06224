import FoundationEssentials

/// A response value that writes its own JSON, byte for byte what `JSONCoding.encoder` makes of
/// its `Encodable` form: keys sorted by their UTF-8 bytes, slashes unescaped, other escapes as
/// swift-foundation's `JSONEncoder` writes them, `nil` optionals left out.
///
/// For the responses of hot routes (an answer): `JSONEncoder` walks the value through generic
/// containers, which costs tens of microseconds for a response that takes a few to write by
/// hand. Tests compare both forms, so the hand-written one cannot drift from the contract.
public protocol JSONBodyWritable: Encodable {
    /// Writes the value as one JSON value.
    func writeJSON(to writer: inout JSONBodyWriter)
}

/// Writes JSON text as `JSONCoding.encoder` would; the writer of a `JSONBodyWritable` value calls
/// the members of each object in sorted order (checked in debug builds).
public struct JSONBodyWriter {
    /// The text so far, as UTF-8.
    public private(set) var bytes: [UInt8] = []
    /// Whether a value had no JSON form (a non-finite number): `JSONEncoder` refuses those, so
    /// the caller must not use `bytes`.
    public private(set) var failed = false
    /// Per open object or array: whether a member or element was written yet.
    private var opened: [Bool] = []
    #if DEBUG
    private var lastKeys: [[UInt8]] = []
    #endif

    /// An empty writer.
    public init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    // MARK: - Containers

    /// Starts an object.
    public mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        opened.append(false)
        #if DEBUG
        lastKeys.append([])
        #endif
    }

    /// Ends the innermost object.
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        opened.removeLast()
        #if DEBUG
        lastKeys.removeLast()
        #endif
    }

    /// Starts an array.
    public mutating func beginArray() {
        bytes.append(UInt8(ascii: "["))
        opened.append(false)
        #if DEBUG
        lastKeys.append([])
        #endif
    }

    /// Ends the innermost array.
    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        opened.removeLast()
        #if DEBUG
        lastKeys.removeLast()
        #endif
    }

    /// Starts the next element of the innermost array.
    public mutating func element() {
        separate()
    }

    /// Starts the member `name` of the innermost object; members must come in sorted order.
    public mutating func key(_ name: StaticString) {
        separate()
        let key = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        #if DEBUG
        assert(lastKeys[lastKeys.count - 1].lexicographicallyPrecedes(key), "JSON keys out of order at \(name)")
        lastKeys[lastKeys.count - 1] = Array(key)
        #endif
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: key)
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    /// Starts the member `name` of the innermost object, for names known only at run time (a
    /// dictionary's keys, which the caller sorts).
    public mutating func key(_ name: String) {
        separate()
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func separate() {
        if opened[opened.count - 1] {
            bytes.append(UInt8(ascii: ","))
        } else {
            opened[opened.count - 1] = true
        }
    }

    // MARK: - Values

    /// A string, escaped as swift-foundation's `JSONEncoder` escapes it.
    public mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            bytes.append(UInt8(ascii: "\""))
            guard let base = utf8.baseAddress else {
                bytes.append(UInt8(ascii: "\""))
                return
            }
            let count = utf8.count
            var start = 0
            var index = 0
            while index < count {
                // Eight bytes at a time while none of them needs escaping: most text has few that do.
                if index + 8 <= count, !Self.needsEscaping(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) {
                    index += 8
                    continue
                }
                let byte = base[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
                    index += 1
                    continue
                }
                bytes.append(contentsOf: UnsafeBufferPointer(start: base + start, count: index - start))
                index += 1
                start = index
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                default:
                    // \u00XX with lower-case hex digits.
                    bytes.append(UInt8(ascii: "u"))
                    bytes.append(UInt8(ascii: "0"))
                    bytes.append(UInt8(ascii: "0"))
                    bytes.append(Self.hexDigit(byte >> 4))
                    bytes.append(Self.hexDigit(byte & 0xF))
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(start: base + start, count: count - start))
            bytes.append(UInt8(ascii: "\""))
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    /// Whether any of eight bytes is a control character, `"` or `\\` (the classic "has a byte
    /// less than n" and "has a zero byte" word tricks, exact as a yes or no).
    @inline(__always)
    private static func needsEscaping(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (word &- ones &* 0x20) & ~word & highs
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        return (control | ((quotes &- ones) & ~quotes & highs) | ((backslashes &- ones) & ~backslashes & highs)) != 0
    }

    /// An integer.
    public mutating func int(_ value: Int) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// A boolean.
    public mutating func bool(_ value: Bool) {
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// A number as `JSONEncoder` writes a `Double`: its shortest description, without a
    /// trailing `.0`.
    public mutating func double(_ value: Double) {
        guard value.isFinite else {
            failed = true
            return
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    /// `null`.
    public mutating func null() {
        bytes.append(contentsOf: "null".utf8)
    }

    /// An array of strings.
    public mutating func strings(_ values: [String]) {
        beginArray()
        for value in values {
            element()
            string(value)
        }
        endArray()
    }

    /// A value that writes itself.
    public mutating func value(_ value: some JSONBodyWritable) {
        value.writeJSON(to: &self)
    }
}

extension HTTPResponseEvent {
    /// A response whose body is `value` as JSON, with `content-type: application/json`: the same
    /// bytes as `json(_:_:headers:)` makes of any `Encodable`, written by the value itself.
    public static func json(
        _ statusCode: Int, _ value: some JSONBodyWritable, headers: HTTPHeaders = [:]
    ) throws(APIError) -> HTTPResponseEvent {
        var writer = JSONBodyWriter()
        value.writeJSON(to: &writer)
        // A value `JSONEncoder` refuses is refused the way it refuses it.
        guard !writer.failed else { return try encoded(statusCode, value, headers: headers) }
        var allHeaders = headers
        allHeaders["content-type"] = "application/json"
        return HTTPResponseEvent(statusCode: statusCode, headers: allHeaders, body: String(decoding: writer.bytes, as: UTF8.self))
    }
}
