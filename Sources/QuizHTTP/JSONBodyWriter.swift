import FoundationEssentials
import StrictJSON

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

/// Writes JSON text as `JSONCoding.encoder` would, on the one JSON writer (`JSONWriter`, whose
/// escaping is `JSONEncoder`'s); the writer of a `JSONBodyWritable` value calls the members of
/// each object in sorted order (checked in debug builds).
public struct JSONBodyWriter {
    private var writer: JSONWriter
    /// Whether a value had no JSON form (a non-finite number): `JSONEncoder` refuses those, so
    /// the caller must not use `bytes`.
    public private(set) var failed = false
    #if DEBUG
    private var lastKeys: [[UInt8]] = []
    #endif

    /// An empty writer.
    public init(capacity: Int = 512) {
        writer = JSONWriter(capacity: capacity)
    }

    /// The text so far, as UTF-8.
    public var bytes: [UInt8] { writer.bytes }

    // MARK: - Containers

    /// Starts an object.
    public mutating func beginObject() {
        writer.beginObject()
        #if DEBUG
        lastKeys.append([])
        #endif
    }

    /// Ends the innermost object.
    public mutating func endObject() {
        writer.endObject()
        #if DEBUG
        lastKeys.removeLast()
        #endif
    }

    /// Starts an array.
    public mutating func beginArray() {
        writer.beginArray()
        #if DEBUG
        lastKeys.append([])
        #endif
    }

    /// Ends the innermost array.
    public mutating func endArray() {
        writer.endArray()
        #if DEBUG
        lastKeys.removeLast()
        #endif
    }

    /// Starts the next element of the innermost array.
    public mutating func element() {
        writer.element()
    }

    /// Starts the member `name` of the innermost object; members must come in sorted order.
    public mutating func key(_ name: StaticString) {
        #if DEBUG
        let key = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        assert(lastKeys[lastKeys.count - 1].lexicographicallyPrecedes(key), "JSON keys out of order at \(name)")
        lastKeys[lastKeys.count - 1] = Array(key)
        #endif
        writer.key(name)
    }

    /// Starts the member `name` of the innermost object, for names known only at run time (a
    /// dictionary's keys, which the caller sorts).
    public mutating func key(_ name: String) {
        writer.key(name)
    }

    // MARK: - Values

    /// A string, escaped as swift-foundation's `JSONEncoder` escapes it.
    public mutating func string(_ text: String) {
        writer.string(text)
    }

    /// An integer.
    public mutating func int(_ value: Int) {
        writer.int(value)
    }

    /// A boolean.
    public mutating func bool(_ value: Bool) {
        writer.bool(value)
    }

    /// A number as `JSONEncoder` writes a `Double`: its shortest description, without a
    /// trailing `.0`.
    public mutating func double(_ value: Double) {
        if !writer.double(value) { failed = true }
    }

    /// `null`.
    public mutating func null() {
        writer.null()
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
