/// The response to one ``HTTPRequest``: any status the server sent, including 4xx and 5xx,
/// which are answers and not ``HTTPClientError``s.
public struct HTTPResponse: Sendable {
    /// The status code, e.g. `200`.
    public var status: Int
    /// The header fields of the final response, in the order received, duplicates kept.
    ///
    /// Names keep the server's spelling and values have surrounding whitespace removed. Headers
    /// of interim `1xx` responses are not included.
    public var headers: [(name: String, value: String)]
    /// The body bytes, exactly as received (no content decoding is asked for or done).
    public var body: [UInt8]

    /// A response.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Whether the status is in the `2xx` success class.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The value of the first header with this name, compared case-insensitively, or `nil`.
    ///
    /// For example `response.header("lambda-runtime-aws-request-id")`.
    public func header(_ name: String) -> String? {
        headers.first { HTTPHeaderName.equal($0.name, name) }?.value
    }

    /// The values of every header with this name, compared case-insensitively, in order.
    public func headerValues(_ name: String) -> [String] {
        headers.filter { HTTPHeaderName.equal($0.name, name) }.map(\.value)
    }
}

// MARK: - Header names

/// Rules for header field names and other tokens
/// ([RFC 9110 §5.6.2](https://www.rfc-editor.org/rfc/rfc9110#section-5.6.2)).
enum HTTPHeaderName {
    /// Whether `text` is a non-empty token: letters, digits and ``!#$%&'*+-.^_`|~``.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.withUTF8Buffer { bytes in
            for byte in bytes where !isTokenCharacter(byte) { return false }
            return true
        }
    }

    /// Whether two names are equal ignoring ASCII case, as header names are.
    ///
    /// These checks run for every header of every request and response, so they loop over the
    /// strings' UTF-8 storage directly: the generic collection algorithms over `String.UTF8View`
    /// were among the runtime loop's largest costs.
    static func equal(_ lhs: String, _ rhs: String) -> Bool {
        // Lengths first: most names compared differ in length, and a native string knows its
        // own at once.
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        return lhs.withUTF8Buffer { left in
            rhs.withUTF8Buffer { right in
                for index in 0..<left.count where lowercased(left[index]) != lowercased(right[index]) { return false }
                return true
            }
        }
    }

    /// Whether any UTF-8 byte of `text` satisfies `predicate`.
    static func containsByte(_ text: String, where predicate: (UInt8) -> Bool) -> Bool {
        text.withUTF8Buffer { bytes in
            for byte in bytes where predicate(byte) { return true }
            return false
        }
    }

    /// Whether any UTF-8 byte of `text` is a C0 control character or DEL. It runs over the URL
    /// of every request, so the loop has no branch and no early exit, which lets the compiler
    /// test 16 or 32 bytes at a time (callgrind: a tenth of the instructions of a byte-by-byte
    /// search over a Runtime API URL).
    static func containsControlCharacter(_ text: String) -> Bool {
        text.withUTF8Buffer { bytes in
            var found: UInt8 = 0
            for byte in bytes {
                found |= (byte < 0x20 ? 1 : 0) | (byte == 0x7F ? 1 : 0)
            }
            return found != 0
        }
    }

    /// Whether `byte` is a C0 control character or DEL.
    static func isControlCharacter(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x7F
    }

    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 0x20 : byte
    }
}

extension String {
    /// Calls `body` with this string's UTF-8 bytes: in place for a native string, through one
    /// copy otherwise.
    func withUTF8Buffer<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(utf8).withUnsafeBufferPointer(body)
    }
}
