import StrictJSON

// MARK: - UTF-8

extension TextPosition {
    /// The index of the first byte of `bytes` that is not part of well-formed UTF-8, or `nil` when
    /// all of it is. JSON (RFC 8259 §8.1) and our CSV layout are UTF-8; checking once up front lets
    /// the readers decode fields without checks and tells an author of a Windows-1252 export where
    /// the first offending character is.
    static func firstInvalidUTF8(in bytes: ArraySlice<UInt8>) -> Int? {
        // ASCII is valid UTF-8 and is by far the most common content: skip it fast.
        guard let firstNonASCII = bytes.firstIndex(where: { $0 >= 0x80 }) else { return nil }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes[firstNonASCII...].makeIterator()
        var offset = firstNonASCII
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                offset += encoded.count
            case .emptyInput:
                return nil
            case .error:
                return offset
            }
        }
    }
}

// MARK: - Bytes and characters

extension UInt8 {
    static let lineFeed = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let comma = UInt8(ascii: ",")
    static let quote = UInt8(ascii: "\"")

    /// Whitespace as JSON (RFC 8259 §2) and our sniffing understand it: space, tab, LF and CR.
    var isJSONWhitespace: Bool {
        self == UInt8(ascii: " ") || self == UInt8(ascii: "\t") || self == .lineFeed || self == .carriageReturn
    }
}

extension ArraySlice<UInt8> {
    /// The slice without a leading UTF-8 byte order mark, which Excel puts before every CSV it saves.
    func droppingByteOrderMark() -> ArraySlice<UInt8> {
        starts(with: [0xEF, 0xBB, 0xBF]) ? dropFirst(3) : self
    }
}

extension StringProtocol {
    /// The string without leading and trailing whitespace and newlines (Unicode's definition, so a
    /// no-break space pasted from a word processor goes too). FoundationEssentials has no
    /// `trimmingCharacters(in:)`, which lives in the ICU-backed part of Foundation.
    func trimmed() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = lastIndex(where: { !$0.isWhitespace }) ?? first
        return String(self[first...last])
    }
}
