/// A one-line JSON object, written field by field: log lines are built on the hot path of every
/// invocation, so this skips the reflection of `JSONEncoder`.
public struct JSONLine: Sendable {
    private var text = "{"
    private var empty = true

    /// An empty object, with room for a typical log line so that it is not copied as it grows.
    public init() {
        text.reserveCapacity(512)
    }

    /// Adds a string member.
    public mutating func add(_ name: String, _ value: String) {
        key(name)
        Self.appendQuoted(value, to: &text)
    }

    /// Adds a string member when the value is present.
    public mutating func add(_ name: String, _ value: String?) {
        if let value { add(name, value) }
    }

    /// Adds an integer member.
    public mutating func add(_ name: String, _ value: Int64) {
        key(name)
        text += String(value)
    }

    /// Adds an integer member.
    public mutating func add(_ name: String, _ value: Int) { add(name, Int64(value)) }

    /// Adds a number member, rounded to three decimals (JSON has no NaN or infinity: those become 0).
    public mutating func add(_ name: String, _ value: Double) {
        key(name)
        guard value.isFinite else {
            text += "0"
            return
        }
        let thousandths = (value * 1000).rounded()
        if thousandths == thousandths.rounded(.towardZero), abs(thousandths) < 1e15 {
            let whole = Int64(thousandths)
            let sign = whole < 0 ? "-" : ""
            let magnitude = whole.magnitude
            let fraction = magnitude % 1000
            text += "\(sign)\(magnitude / 1000)"
            if fraction != 0 {
                var digits = String(fraction)
                digits = String(repeating: "0", count: 3 - digits.count) + digits
                while digits.hasSuffix("0") { digits.removeLast() }
                text += "." + digits
            }
        } else {
            text += "\(value)"
        }
    }

    /// Adds a boolean member.
    public mutating func add(_ name: String, _ value: Bool) {
        key(name)
        text += value ? "true" : "false"
    }

    /// Adds a member whose value is JSON text built elsewhere.
    public mutating func addRaw(_ name: String, json: String) {
        key(name)
        text += json
    }

    /// The finished object.
    public var string: String { text + "}" }

    /// The finished object, closing the text in place instead of copying it.
    public consuming func finished() -> String {
        text += "}"
        return text
    }

    /// Adds a member whose value is JSON text built elsewhere, given in parts, so that a
    /// value made of a fixed text and a few numbers is never joined into a string of its own.
    public mutating func addRaw(_ name: String, parts: String...) {
        key(name)
        for part in parts { text += part }
    }

    private mutating func key(_ name: String) {
        if !empty { text += "," }
        empty = false
        Self.appendQuoted(name, to: &text)
        text += ":"
    }

    /// Appends a JSON string literal, escaping what RFC 8259 §7 requires.
    public static func appendQuoted(_ value: String, to text: inout String) {
        text += "\""
        // Most values need no escaping: append them whole instead of scalar by scalar.
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            text += value
            text += "\""
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }

    /// A JSON string literal.
    public static func quoted(_ value: String) -> String {
        var text = ""
        appendQuoted(value, to: &text)
        return text
    }
}
