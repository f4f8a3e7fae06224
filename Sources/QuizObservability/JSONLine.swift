import StrictJSON

/// A one-line JSON object, written field by field on the one JSON writer (`JSONWriter`): log
/// lines are built on the hot path of every invocation, so this skips the reflection of
/// `JSONEncoder`.
public struct JSONLine: Sendable {
    private var writer = JSONWriter(capacity: 512)

    /// An empty object.
    public init() {
        writer.beginObject()
    }

    /// Adds a string member.
    public mutating func add(_ name: String, _ value: String) {
        writer.key(name)
        writer.string(value)
    }

    /// Adds a string member when the value is present.
    public mutating func add(_ name: String, _ value: String?) {
        if let value { add(name, value) }
    }

    /// Adds an integer member.
    public mutating func add(_ name: String, _ value: Int64) {
        writer.key(name)
        writer.int(value)
    }

    /// Adds an integer member.
    public mutating func add(_ name: String, _ value: Int) { add(name, Int64(value)) }

    /// Adds a number member, rounded to three decimals (JSON has no NaN or infinity: those become 0).
    public mutating func add(_ name: String, _ value: Double) {
        writer.key(name)
        writer.raw(Self.thousandths(value))
    }

    /// A number rounded to three decimals, without trailing zeros: `12.346`, `-2.25`, `100`.
    static func thousandths(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let thousandths = (value * 1000).rounded()
        guard thousandths == thousandths.rounded(.towardZero), abs(thousandths) < 1e15 else { return "\(value)" }
        let whole = Int64(thousandths)
        let magnitude = whole.magnitude
        var text = (whole < 0 ? "-" : "") + String(magnitude / 1000)
        let fraction = magnitude % 1000
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 3 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text
    }

    /// Adds a boolean member.
    public mutating func add(_ name: String, _ value: Bool) {
        writer.key(name)
        writer.bool(value)
    }

    /// Adds a member whose value is JSON text built elsewhere.
    public mutating func addRaw(_ name: String, json: String) {
        writer.key(name)
        writer.raw(json)
    }

    /// Adds a member whose value is JSON text built elsewhere, given in parts, so that a
    /// value made of a fixed text and a few numbers is never joined into a string of its own.
    public mutating func addRaw(_ name: String, parts: String...) {
        writer.key(name)
        for part in parts { writer.appendRaw(part) }
        writer.raw("")
    }

    /// The finished object.
    public var string: String {
        var copy = writer
        copy.endObject()
        return String(decoding: copy.bytes, as: UTF8.self)
    }

    /// The finished object, closing the text in place instead of copying it.
    public consuming func finished() -> String {
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// A JSON string literal.
    public static func quoted(_ value: String) -> String {
        JSONWriter.quoted(value)
    }
}
