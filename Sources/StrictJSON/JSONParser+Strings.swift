import ByteCoding

// Strings (RFC 8259 §7): the part of JSON that is more than recognising bytes.
extension JSONParser {
    /// A string, from its opening quote to just past its closing one.
    mutating func parseString() throws(JSONParseError) -> String {
        let opening = index
        index += 1
        let start = index
        // Most strings have no escapes: they are taken from the input as one slice.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                guard let text = UTF8Text.string(validating: slice) else { throw JSONParseError(.invalidUTF8, at: opening) }
                return text
            }
            if byte == UInt8(ascii: "\\") { return try parseEscapedString(opening: opening, start: start) }
            if byte < 0x20 { throw JSONParseError(.controlCharacter, at: index) }
            index += 1
        }
        throw JSONParseError(.unterminatedString, at: opening)
    }

    /// The rest of a string that has escapes, from its first backslash.
    private mutating func parseEscapedString(opening: Int, start: Int) throws(JSONParseError) -> String {
        var buffer = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        buffer.reserveCapacity(buffer.count + 32)
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                let text = buffer.withUnsafeBufferPointer { UTF8Text.string(validating: $0) }
                guard let text else { throw JSONParseError(.invalidUTF8, at: opening) }
                return text
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw JSONParseError(.unterminatedString, at: opening) }
                try appendEscape(to: &buffer)
            case 0x00..<0x20:
                throw JSONParseError(.controlCharacter, at: index - 1)
            default:
                buffer.append(byte)
            }
        }
        throw JSONParseError(.unterminatedString, at: opening)
    }

    /// The character an escape stands for, read from just after its backslash.
    private mutating func appendEscape(to buffer: inout [UInt8]) throws(JSONParseError) {
        let backslash = index - 1
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(byte)
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"): UTF8.encode(try escapedScalar(backslash: backslash)) { buffer.append($0) }
        default: throw JSONParseError(.invalidEscape, at: index - 1)
        }
    }

    /// The scalar of a `\uXXXX` escape, or of a pair of them for a scalar beyond U+FFFF.
    private mutating func escapedScalar(backslash: Int) throws(JSONParseError) -> Unicode.Scalar {
        let unit = try hexQuad()
        var value = unit
        switch unit {
        case 0xD800..<0xDC00:
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw JSONParseError(.unpairedSurrogate, at: backslash)
            }
            index += 2
            let low = try hexQuad()
            guard (0xDC00..<0xE000).contains(low) else { throw JSONParseError(.unpairedSurrogate, at: backslash) }
            value = 0x1_0000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
        case 0xDC00..<0xE000:
            throw JSONParseError(.unpairedSurrogate, at: backslash)
        default:
            break
        }
        // Surrogates are handled above, so every value left is a scalar.
        guard let scalar = Unicode.Scalar(value) else { throw JSONParseError(.unpairedSurrogate, at: backslash) }
        return scalar
    }

    /// Four hex digits; an error at the first that is not one.
    private mutating func hexQuad() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count, let digit = ASCIIHex.value(of: bytes[index]) else {
                throw JSONParseError(.expectedHexDigits, at: index)
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
