#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes the fields of a record packed into one binary attribute: integers as LEB128 varints
/// (zigzag for signed ones), strings as a varint length and UTF-8, flags as one byte.
///
/// For the records every request reads and writes whole (a session): one binary attribute is read
/// and written with a single copy, where an attribute per field means a dictionary entry, a string
/// and a value per field, on each side of the store, on every request.
struct PackedWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    mutating func byte(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func bool(_ value: Bool) {
        bytes.append(value ? 1 : 0)
    }

    mutating func unsigned(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func int(_ value: Int64) {
        unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func int(_ value: Int) {
        int(Int64(value))
    }

    mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            unsigned(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// A string that may be absent: a presence flag, then the string.
    mutating func optional(_ text: String?) {
        bool(text != nil)
        if let text { string(text) }
    }

    mutating func strings(_ values: [String]) {
        unsigned(UInt64(values.count))
        for value in values { string(value) }
    }
}

/// Reads what a `PackedWriter` wrote, checking every length against the bytes at hand, so damaged
/// bytes fail with `PackedReader.Damaged` instead of trapping.
struct PackedReader {
    /// The bytes do not hold what the reader expects.
    struct Damaged: Error, CustomStringConvertible {
        var description: String { "packed record is damaged" }
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { position == bytes.count }

    mutating func byte() throws(Damaged) -> UInt8 {
        guard position < bytes.count else { throw Damaged() }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func bool() throws(Damaged) -> Bool {
        switch try byte() {
        case 0: false
        case 1: true
        default: throw Damaged()
        }
    }

    mutating func unsigned() throws(Damaged) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try byte()
            guard shift < 64 else { throw Damaged() }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    mutating func int64() throws(Damaged) -> Int64 {
        let raw = try unsigned()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    mutating func int() throws(Damaged) -> Int {
        guard let value = Int(exactly: try int64()) else { throw Damaged() }
        return value
    }

    /// A count of things each at least one byte long: no larger than the bytes left.
    mutating func count() throws(Damaged) -> Int {
        let count = try unsigned()
        guard count <= UInt64(bytes.count - position) else { throw Damaged() }
        return Int(count)
    }

    mutating func string() throws(Damaged) -> String {
        let length = try count()
        let slice = UnsafeBufferPointer(rebasing: bytes[position..<position + length])
        position += length
        return try Self.text(slice)
    }

    mutating func optionalString() throws(Damaged) -> String? {
        try bool() ? try string() : nil
    }

    mutating func strings() throws(Damaged) -> [String] {
        let count = try count()
        var values: [String] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try string()) }
        return values
    }

    /// The bytes as a string when they are valid UTF-8 (decoding repairs invalid bytes, so a
    /// repaired string differs from them); ASCII needs no comparison.
    private static func text(_ bytes: UnsafeBufferPointer<UInt8>) throws(Damaged) -> String {
        var text = String(decoding: bytes, as: UTF8.self)
        if bytes.allSatisfy({ $0 < 0x80 }) { return text }
        let same = text.withUTF8 { utf8 in
            utf8.count == bytes.count && (bytes.isEmpty || memcmp(utf8.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
        }
        guard same else { throw Damaged() }
        return text
    }
}
