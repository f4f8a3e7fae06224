#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An error as the Runtime API takes it, in the shape AWS's own runtime clients send: the JSON
/// body of `/runtime/init/error` and `/runtime/invocation/{id}/error`, its
/// `Lambda-Runtime-Function-Error-Type` header, and the X-Ray error cause header
/// ([invocation error](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-invokeerror),
/// [initialization error](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-initerror)).
///
/// For a synchronous invocation, Lambda hands the body to the caller as the invocation's
/// result, so it must hold nothing secret: the message is the error's `description`.
public struct LambdaErrorReport: Sendable, Hashable {
    /// The kind of error: the thrown error's type name, e.g. `SessionError`, or one of Lambda's
    /// own (`Function.ResponseSizeTooLarge`, `Runtime.EventTooLarge`); sent both as `errorType`
    /// and as the `Lambda-Runtime-Function-Error-Type` header.
    public var errorType: String
    /// What went wrong, for people; at most ``maximumMessageLength`` bytes of UTF-8.
    public var errorMessage: String
    /// Frames of a stack trace, one string each, as the clients of other languages send them.
    /// A Swift error is a value that carries no record of the frames it was thrown through, so
    /// the report of a thrown error has none; the field is always sent, as an array.
    public var stackTrace: [String]

    /// The longest ``errorMessage`` kept, in UTF-8 bytes; a longer one is cut short. An error
    /// post that Lambda refused as too large would leave the invocation without an answer.
    public static let maximumMessageLength = 16 * 1024

    /// The X-Ray error cause is sent only when its JSON is shorter than this, in bytes: the
    /// limit AWS's runtime interface clients apply to the header (1 MiB), under which it always
    /// stays here, since the message is cut at ``maximumMessageLength``.
    public static let maximumXRayErrorCauseLength = 1024 * 1024

    /// A report with these fields; a message over ``maximumMessageLength`` is cut short.
    public init(errorType: String, errorMessage: String, stackTrace: [String] = []) {
        self.errorType = errorType
        self.errorMessage = Self.truncated(errorMessage)
        self.stackTrace = stackTrace
    }

    /// The report of a thrown error: its type's name and its description.
    public init(_ error: any Error) {
        self.init(errorType: Self.typeName(of: error), errorMessage: String(describing: error))
    }

    /// The report the runtime sends when the Runtime API refused a response as too large,
    /// worded as Lambda words its own.
    public static func responseTooLarge(byteCount: Int) -> LambdaErrorReport {
        LambdaErrorReport(
            errorType: "Function.ResponseSizeTooLarge",
            errorMessage: "Response payload size (\(byteCount) bytes) exceeded maximum allowed payload size.")
    }

    // MARK: - Wire forms

    /// The value of `Lambda-Runtime-Function-Error-Type`: ``errorType`` with any control
    /// character replaced by `?`, since a header value must not hold CR, LF or NUL.
    public var functionErrorType: String {
        String(decoding: errorType.utf8.map { $0 < 0x20 || $0 == 0x7F ? UInt8(ascii: "?") : $0 }, as: UTF8.self)
    }

    /// The JSON body: `{"errorMessage":"…","errorType":"…","stackTrace":[…]}`.
    public var jsonBody: [UInt8] {
        var json: [UInt8] = []
        json.reserveCapacity(errorMessage.utf8.count + errorType.utf8.count + 64)
        json += #"{"errorMessage":"#.utf8
        Self.appendJSONString(errorMessage, to: &json)
        json += #","errorType":"#.utf8
        Self.appendJSONString(errorType, to: &json)
        json += #","stackTrace":"#.utf8
        Self.appendJSONArray(stackTrace, to: &json)
        json.append(UInt8(ascii: "}"))
        return json
    }

    /// The value of `Lambda-Runtime-Function-XRay-Error-Cause`, the document X-Ray shows as the
    /// fault of the invocation's segment
    /// ([cause object](https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html#api-segmentdocuments-errors)),
    /// as AWS's runtime clients build it:
    /// `{"working_directory":"/var/task","exceptions":[{"message":"…","type":"…","stack":[]}],"paths":[]}`.
    /// `nil` when it would not be shorter than ``maximumXRayErrorCauseLength``: the clients
    /// then leave the header out. One line: JSON escapes every control character.
    public var xrayErrorCause: String? {
        var json: [UInt8] = []
        json.reserveCapacity(errorMessage.utf8.count + errorType.utf8.count + 128)
        json += #"{"working_directory":"#.utf8
        Self.appendJSONString(Self.workingDirectory, to: &json)
        json += #","exceptions":[{"message":"#.utf8
        Self.appendJSONString(errorMessage, to: &json)
        json += #","type":"#.utf8
        Self.appendJSONString(errorType, to: &json)
        json += #","stack":["#.utf8
        for (index, frame) in stackTrace.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            json += #"{"label":"#.utf8
            Self.appendJSONString(frame, to: &json)
            json.append(UInt8(ascii: "}"))
        }
        json += #"]}],"paths":[]}"#.utf8
        guard json.count < Self.maximumXRayErrorCauseLength else { return nil }
        return String(decoding: json, as: UTF8.self)
    }

    /// The process's working directory (`/var/task` in Lambda), read once.
    static let workingDirectory: String = {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    // MARK: - Helpers

    /// The unqualified name of the dynamic type of `error`, e.g. `DecodingError`.
    static func typeName(of error: any Error) -> String {
        String(describing: type(of: error))
    }

    /// `text` cut to at most ``maximumMessageLength`` UTF-8 bytes, at a character boundary.
    private static func truncated(_ text: String) -> String {
        guard text.utf8.count > maximumMessageLength else { return text }
        var length = 0
        var end = text.startIndex
        for character in text {
            length += character.utf8.count
            guard length <= maximumMessageLength else { break }
            end = text.index(after: end)
        }
        return String(text[..<end])
    }

    /// Appends `strings` as a JSON array of strings.
    private static func appendJSONArray(_ strings: [String], to json: inout [UInt8]) {
        json.append(UInt8(ascii: "["))
        for (index, string) in strings.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            appendJSONString(string, to: &json)
        }
        json.append(UInt8(ascii: "]"))
    }

    /// Appends `text` as a JSON string literal
    /// ([RFC 8259 §7](https://www.rfc-editor.org/rfc/rfc8259#section-7)): quotes, backslashes
    /// and control characters escaped; everything else, non-ASCII included, as UTF-8.
    static func appendJSONString(_ text: String, to json: inout [UInt8]) {
        let hexDigits = Array("0123456789abcdef".utf8)
        json.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): json += #"\""#.utf8
            case UInt8(ascii: "\\"): json += #"\\"#.utf8
            case 0x0A: json += #"\n"#.utf8
            case 0x0D: json += #"\r"#.utf8
            case 0x09: json += #"\t"#.utf8
            case 0x00..<0x20, 0x7F:
                json += #"\u00"#.utf8
                json.append(hexDigits[Int(byte >> 4)])
                json.append(hexDigits[Int(byte & 0x0F)])
            default: json.append(byte)
            }
        }
        json.append(UInt8(ascii: "\""))
    }
}
