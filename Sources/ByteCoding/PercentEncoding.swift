/// Percent-decoding ([RFC 3986 §2.1](https://www.rfc-editor.org/rfc/rfc3986#section-2.1)): the
/// one decoder of the query strings of API Gateway events, the `dynamodb://` store URL and the
/// SigV4 canonical query. FoundationEssentials has no `removingPercentEncoding`.
public enum PercentEncoding {
    /// What to do with a `%` that is not followed by two hex digits.
    public enum MalformedEscape: Sendable {
        /// Give up: the decoding is `nil`.
        case fail
        /// Keep the `%` and what follows as they are (SigV4's canonical query does so).
        case keep
    }

    /// The bytes `text` stands for, every `%XX` replaced by its byte; `nil` when `malformed` is
    /// `.fail` and an escape is malformed. `+` stays a plus: form decoding, which makes it a
    /// space, is the caller's business.
    public static func decodedBytes(_ text: some StringProtocol, malformed: MalformedEscape = .fail) -> [UInt8]? {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "%") else {
                output.append(byte)
                index += 1
                continue
            }
            if index + 2 < bytes.count, let high = ASCIIHex.value(of: bytes[index + 1]), let low = ASCIIHex.value(of: bytes[index + 2]) {
                output.append(high << 4 | low)
                index += 3
                continue
            }
            guard malformed == .keep else { return nil }
            // Only the `%` is kept as it is; what follows is read again (`%%41` is `%A`).
            output.append(byte)
            index += 1
        }
        return output
    }

    /// The text `text` stands for: every `%XX` decoded, the result checked to be UTF-8; `nil`
    /// when an escape is malformed or the bytes are not UTF-8.
    @inlinable
    public static func decode(_ text: some StringProtocol) -> String? {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        guard let bytes = decodedBytes(text, malformed: .fail) else { return nil }
        return bytes.withUnsafeBufferPointer { UTF8Text.string(validating: $0) }
    }
}

/// Hex digits of ASCII text.
public enum ASCIIHex {
    /// The value of a hex digit (`0-9`, `a-f`, `A-F`), `nil` for any other byte.
    @inlinable
    public static func value(of byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }
}
