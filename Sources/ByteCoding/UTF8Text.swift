#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Strings from bytes that must be UTF-8, checked without the generic cost of
/// `String(validating:as:)`: the JSON parser's strings, stored items' names and texts, decoded
/// percent-escapes.
public enum UTF8Text {
    /// The bytes as a string when they are valid UTF-8, `nil` otherwise.
    ///
    /// ASCII, nearly every string the service reads, needs no check beyond a word-at-a-time scan.
    /// Otherwise the bytes are decoded with repair and compared with the result: a repaired
    /// string differs from its bytes exactly when they were not UTF-8.
    @inlinable
    public static func string(validating bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var text = String(decoding: bytes, as: UTF8.self)
        if isASCII(bytes) { return text }
        let same = text.withUTF8 { utf8 in
            utf8.count == bytes.count && (bytes.isEmpty || memcmp(utf8.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
        }
        return same ? text : nil
    }

    /// Whether every byte is below 0x80, checked eight bytes at a time.
    @inlinable
    public static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var index = 0
        while index + 8 <= bytes.count {
            if raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            index += 8
        }
        while index < bytes.count {
            if bytes[index] >= 0x80 { return false }
            index += 1
        }
        return true
    }
}
