/// Why a text is not JSON, and at which byte. Never quotes the input.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    public enum Code: Sendable, Hashable {
        /// The text ends where a value must follow.
        case unexpectedEnd
        /// A byte that starts no JSON value.
        case expectedValue
        /// `tru`, `nul`, `fals`: a literal that is not `true`, `false` or `null`.
        case expectedTrue, expectedFalse, expectedNull
        /// A number without a digit where the grammar needs one (`-`, `1.`, `1e`).
        case expectedDigit
        /// Something other than a string where an object member's name must be.
        case expectedMemberName
        /// A member name not followed by `:`.
        case expectedColon
        /// An object member not followed by `,` or `}`.
        case expectedCommaOrObjectEnd
        /// An array element not followed by `,` or `]`.
        case expectedCommaOrArrayEnd
        /// Anything but whitespace after the value.
        case trailingText
        /// Arrays and objects nested deeper than ``JSONParser/Options/maximumDepth``.
        case tooDeep
        /// A raw control character (U+0000 to U+001F) inside a string.
        case controlCharacter
        /// A string that the text ends inside of; the offset is its opening quote.
        case unterminatedString
        /// A backslash followed by anything but `"`, `\`, `/`, `b`, `f`, `n`, `r`, `t` or `u`.
        case invalidEscape
        /// `\u` not followed by four hex digits.
        case expectedHexDigits
        /// A `\u` escape of half a surrogate pair without its other half, which no Unicode
        /// text can hold; the offset is the escape's backslash.
        case unpairedSurrogate
        /// A string whose bytes are not UTF-8; the offset is its opening quote.
        case invalidUTF8
        /// A name given twice in one object, under ``JSONParser/Options/DuplicateNames/reject``;
        /// the offset is the second name's opening quote.
        case duplicateName
    }

    /// What was wrong.
    public var code: Code
    /// The offset of the offending byte from the start of the parsed bytes.
    public var offset: Int

    /// An error.
    public init(_ code: Code, at offset: Int) {
        self.code = code
        self.offset = offset
    }

    /// What was wrong, short and fit to show to the author of the text.
    public var reason: String {
        switch code {
        case .unexpectedEnd: "the JSON text ends where a value is expected"
        case .expectedValue: "expected a JSON value"
        case .expectedTrue: "expected true"
        case .expectedFalse: "expected false"
        case .expectedNull: "expected null"
        case .expectedDigit: "expected a digit"
        case .expectedMemberName: "expected a member name in double quotes"
        case .expectedColon: "expected ':' after the member name"
        case .expectedCommaOrObjectEnd: "expected ',' or '}'"
        case .expectedCommaOrArrayEnd: "expected ',' or ']'"
        case .trailingText: "unexpected text after the end of the JSON value"
        case .tooDeep: "the JSON text is nested too deeply"
        case .controlCharacter: "a control character such as a line break must be escaped inside a string"
        case .unterminatedString: "the string that starts here is never closed"
        case .invalidEscape: #"invalid escape; use \", \\, \/, \b, \f, \n, \r, \t or \uXXXX"#
        case .expectedHexDigits: #"expected 4 hex digits after \u"#
        case .unpairedSurrogate: #"an escaped surrogate must be one of a pair, as in \ud83d\ude00"#
        case .invalidUTF8: "the string is not valid UTF-8"
        case .duplicateName: "the member name occurs twice in this object"
        }
    }

    /// The line and column of the offending byte in `bytes`, the text that was parsed.
    public func position(in bytes: UnsafeBufferPointer<UInt8>) -> TextPosition {
        TextPosition.of(offset: offset, in: bytes)
    }

    public var description: String { "malformed JSON at byte \(offset): \(reason)" }
}
