/// The one JSON writer and string escaper of the service: compact UTF-8 text, written member by
/// member into a byte buffer.
///
/// Strings are escaped as swift-foundation's `JSONEncoder` escapes them (with
/// `.withoutEscapingSlashes`): `"` and `\` with a backslash, U+0008, U+0009, U+000A, U+000C and
/// U+000D as `\b`, `\t`, `\n`, `\f`, `\r`, the other control characters as `\u00xx` with
/// lower-case hex digits, everything else, non-ASCII included, as it is. That is exactly what RFC
/// 8259 §7 requires, and byte for byte what the HTTP edge's `JSONEncoder` writes, so a response
/// written here cannot differ from its `Encodable` form.
///
/// Separators are the writer's business: call ``key(_:)-(StaticString)`` before each member
/// and ``element()`` before each array element, and it puts the commas where they go. Nothing
/// checks that the calls make a well-formed document; ``JSONValue/write(to:sortingKeys:)`` writes
/// whole values.
public struct JSONWriter: Sendable {
    /// The text so far, as UTF-8.
    public var bytes: [UInt8] = []
    /// Whether the next member or element follows another in its container.
    private var needsComma = false

    /// An empty writer with room for `capacity` bytes.
    public init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    // MARK: - Containers

    /// Starts an object.
    @inlinable
    public mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        startContainer()
    }

    /// Ends the innermost object.
    @inlinable
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        endValue()
    }

    /// Starts an array.
    @inlinable
    public mutating func beginArray() {
        bytes.append(UInt8(ascii: "["))
        startContainer()
    }

    /// Ends the innermost array.
    @inlinable
    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        endValue()
    }

    /// Starts the next element of the innermost array.
    @inlinable
    public mutating func element() {
        separate()
    }

    /// Starts the member `name` of the innermost object: a name known when compiling, written
    /// without escaping (it must need none).
    @inlinable
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// Starts the member `name` of the innermost object, for names known only at run time.
    @inlinable
    public mutating func key(_ name: String) {
        separate()
        appendString(name)
        bytes.append(UInt8(ascii: ":"))
    }

    @usableFromInline
    mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    @usableFromInline
    mutating func startContainer() {
        needsComma = false
    }

    @usableFromInline
    mutating func endValue() {
        needsComma = true
    }

    // MARK: - Values

    /// A string, escaped (see the type's description).
    @inlinable
    public mutating func string(_ text: String) {
        appendString(text)
        endValue()
    }

    /// An integer.
    @inlinable
    public mutating func int(_ value: Int) {
        int(Int64(value))
    }

    /// An integer.
    public mutating func int(_ value: Int64) {
        if value >= 0 && value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
        } else {
            // Digits from the end, into a fixed buffer: no intermediate `String`.
            var magnitude = value.magnitude
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
                var start = 20
                repeat {
                    start -= 1
                    digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                    magnitude /= 10
                } while magnitude > 0
                if value < 0 { bytes.append(UInt8(ascii: "-")) }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start..<20]))
            }
        }
        endValue()
    }

    /// A boolean.
    public mutating func bool(_ value: Bool) {
        if value {
            bytes.append(contentsOf: [UInt8(ascii: "t"), UInt8(ascii: "r"), UInt8(ascii: "u"), UInt8(ascii: "e")])
        } else {
            bytes.append(contentsOf: [UInt8(ascii: "f"), UInt8(ascii: "a"), UInt8(ascii: "l"), UInt8(ascii: "s"), UInt8(ascii: "e")])
        }
        endValue()
    }

    /// `null`.
    public mutating func null() {
        bytes.append(contentsOf: [UInt8(ascii: "n"), UInt8(ascii: "u"), UInt8(ascii: "l"), UInt8(ascii: "l")])
        endValue()
    }

    /// A number as `JSONEncoder` writes a `Double`: its shortest description, without a
    /// trailing `.0`. Returns `false`, writing nothing, for a value JSON has no form for (NaN and
    /// the infinities).
    @discardableResult
    public mutating func double(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
        endValue()
        return true
    }

    /// JSON text made elsewhere (a number's text, a document written before), taken as one value.
    public mutating func raw(_ json: some Sequence<UInt8>) {
        bytes.append(contentsOf: json)
        endValue()
    }

    /// JSON text made elsewhere, taken as one value.
    public mutating func raw(_ json: String) {
        bytes.append(contentsOf: json.utf8)
        endValue()
    }

    /// Text appended as it is, inside a value being written piece by piece (a number's digits).
    /// The caller ends the value with ``raw(_:)-(String)`` or another value method.
    public mutating func appendRaw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    // MARK: - Escaping

    /// Appends a string literal, quotes included.
    @usableFromInline
    mutating func appendString(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in JSONWriter.appendEscaped(utf8, to: &bytes) }
    }

    /// Appends the UTF-8 text `utf8` as a JSON string literal, quotes included, to `output`.
    public static func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        guard let base = utf8.baseAddress else {
            output.append(UInt8(ascii: "\""))
            return
        }
        let count = utf8.count
        var start = 0
        var index = 0
        while index < count {
            // Eight bytes at a time while none of them needs escaping: most text has few that do.
            if index + 8 <= count, !needsEscaping(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) {
                index += 8
                continue
            }
            let byte = base[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            output.append(contentsOf: UnsafeBufferPointer(start: base + start, count: index - start))
            index += 1
            start = index
            output.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
            case 0x08: output.append(UInt8(ascii: "b"))
            case 0x09: output.append(UInt8(ascii: "t"))
            case 0x0A: output.append(UInt8(ascii: "n"))
            case 0x0C: output.append(UInt8(ascii: "f"))
            case 0x0D: output.append(UInt8(ascii: "r"))
            default:
                // \u00XX with lower-case hex digits.
                output.append(UInt8(ascii: "u"))
                output.append(UInt8(ascii: "0"))
                output.append(UInt8(ascii: "0"))
                output.append(hexDigit(byte >> 4))
                output.append(hexDigit(byte & 0xF))
            }
        }
        output.append(contentsOf: UnsafeBufferPointer(start: base + start, count: count - start))
        output.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    /// Whether any of eight bytes is a control character, `"` or `\` (the classic "has a byte
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

    /// `text` as a JSON string literal, quotes included.
    public static func quoted(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count + 2)
        var text = text
        text.withUTF8 { appendEscaped($0, to: &output) }
        return String(decoding: output, as: UTF8.self)
    }
}
