// Strings (RFC 8259 §7): the part of JSON that is more than recognising bytes.
extension JSONParser {
    /// A string, from its opening quote to just past its closing one.
    mutating func parseString() throws(Failure) -> String {
        let opening = index
        index += 1
        let start = index
        // Most strings have no escapes; they are decoded in one go from the input.
        while let byte = peek() {
            switch byte {
            case .quote:
                index += 1
                return String(decoding: bytes[start..<(index - 1)], as: UTF8.self)
            case .backslash:
                return try parseEscapedString(opening: opening, prefix: bytes[start..<index])
            case 0x00..<0x20:
                throw Self.controlCharacter(at: index)
            default:
                index += 1
            }
        }
        throw Self.neverClosed(at: opening)
    }

    /// The rest of a string that has escapes, `prefix` being what came before the first.
    private mutating func parseEscapedString(opening: Int, prefix: ArraySlice<UInt8>) throws(Failure) -> String {
        var buffer = Array(prefix)
        while let byte = peek() {
            index += 1
            switch byte {
            case .quote:
                return String(decoding: buffer, as: UTF8.self)
            case .backslash:
                try appendEscape(to: &buffer)
            case 0x00..<0x20:
                throw Self.controlCharacter(at: index - 1)
            default:
                buffer.append(byte)
            }
        }
        throw Self.neverClosed(at: opening)
    }

    /// The character an escape stands for, read from just after its backslash.
    private mutating func appendEscape(to buffer: inout [UInt8]) throws(Failure) {
        let backslash = index - 1
        guard let byte = peek() else { return }  // the caller then finds the string never closed
        index += 1
        switch byte {
        case .quote, .backslash, UInt8(ascii: "/"): buffer.append(byte)
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(.lineFeed)
        case UInt8(ascii: "r"): buffer.append(.carriageReturn)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"): buffer.append(contentsOf: try escapedScalar(backslash: backslash).utf8)
        default: throw failure(#"invalid escape; use \", \\, \/, \b, \f, \n, \r, \t or \uXXXX"#, at: index - 1)
        }
    }

    /// The scalar of a `\uXXXX` escape, or of a pair of them for a scalar beyond U+FFFF.
    private mutating func escapedScalar(backslash: Int) throws(Failure) -> Unicode.Scalar {
        let unpaired = failure(#"an escaped surrogate must be one of a pair, as in \ud83d\ude00"#, at: backslash)
        let unit = try hexQuad()
        var value = UInt32(unit)
        switch unit {
        case 0xD800..<0xDC00:
            guard peek() == .backslash, peek(offset: 1) == UInt8(ascii: "u") else { throw unpaired }
            index += 2
            let low = try hexQuad()
            guard (0xDC00..<0xE000).contains(low) else { throw unpaired }
            value = 0x1_0000 + (UInt32(unit - 0xD800) << 10) + UInt32(low - 0xDC00)
        case 0xDC00..<0xE000:
            throw unpaired
        default:
            break
        }
        guard let scalar = Unicode.Scalar(value) else { throw unpaired }
        return scalar
    }

    /// Four hex digits.
    private mutating func hexQuad() throws(Failure) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let digit = peek().flatMap(\.hexDigitValue) else { throw failure(#"expected 4 hex digits after \u"#) }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private static func controlCharacter(at offset: Int) -> Failure {
        Failure(offset: offset, reason: "a control character such as a line break must be escaped inside a string")
    }

    private static func neverClosed(at offset: Int) -> Failure {
        Failure(offset: offset, reason: "the string that starts here is never closed")
    }
}

extension UInt8 {
    static let backslash = UInt8(ascii: "\\")

    /// The value of a hex digit, `nil` for any other byte.
    fileprivate var hexDigitValue: UInt16? {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt16(self - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt16(self - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt16(self - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
