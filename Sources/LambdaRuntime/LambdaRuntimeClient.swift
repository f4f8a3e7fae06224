/// The four calls a runtime makes to the Lambda Runtime API
/// ([Runtime API](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html)): the seam
/// between the run loop and the network, so the loop can be tested against a fake.
///
/// Every method throws ``LambdaRuntimeError`` and nothing else. Apart from
/// ``LambdaRuntimeError/Code/responseTooLarge`` from ``respond(to:with:)``, an error means the
/// Runtime API cannot be used any more and the process must end.
///
/// The calls are synchronous on purpose. Lambda sends one invocation at a time to an execution
/// environment, so while the loop waits on the Runtime API there is no other work for its thread;
/// ``LambdaRuntime/run(handlerFactory:)`` runs the loop on a thread of its own (an
/// `InvocationThread`, the task's executor preference), so a blocking call occupies that thread
/// and never one of Swift's cooperative pool, and the handler runs on it too, without a thread
/// hop per invocation.
/// Conforming types need not be `Sendable`: the loop keeps its client in one isolation domain.
public protocol LambdaRuntimeClient {
    /// Waits for the next invocation: `GET /runtime/invocation/next`, with no time limit,
    /// since the environment may be frozen for any length of time while it waits.
    func next() throws(LambdaRuntimeError) -> LambdaInvocation

    /// Sends the handler's response for an invocation:
    /// `POST /runtime/invocation/{requestID}/response`. Throws
    /// ``LambdaRuntimeError/Code/responseTooLarge`` when the Runtime API refuses the body with 413.
    func respond(to requestID: String, with response: [UInt8]) throws(LambdaRuntimeError)

    /// Reports that an invocation failed: `POST /runtime/invocation/{requestID}/error`, with
    /// `Lambda-Runtime-Function-Error-Type` and the report as its JSON body.
    func fail(invocation requestID: String, with error: LambdaErrorReport) throws(LambdaRuntimeError)

    /// Reports that the function could not start: `POST /runtime/init/error`, with
    /// `Lambda-Runtime-Function-Error-Type` and the report as its JSON body.
    func initFailed(with error: LambdaErrorReport) throws(LambdaRuntimeError)
}

/// An error as the Runtime API takes it: the JSON body of `/runtime/init/error` and
/// `/runtime/invocation/{id}/error`
/// ([invocation error](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-invokeerror)).
///
/// For a synchronous invocation, Lambda hands this body to the caller as the invocation's
/// result, so it must hold nothing secret: the message is the error's `description`.
public struct LambdaErrorReport: Sendable, Hashable {
    /// The kind of error, e.g. `SessionError` or `Function.ResponseSizeTooLarge`; sent both as
    /// `errorType` and as the `Lambda-Runtime-Function-Error-Type` header.
    public var errorType: String
    /// What went wrong, for people; at most ``maximumMessageLength`` bytes of UTF-8.
    public var errorMessage: String
    /// Frames of a stack trace; Swift errors carry none, so the runtime sends an empty list.
    public var stackTrace: [String]

    /// The longest ``errorMessage`` kept, in UTF-8 bytes; a longer one is cut short. An error
    /// post that Lambda refused as too large would leave the invocation without an answer.
    public static let maximumMessageLength = 16 * 1024

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
        json += #","stackTrace":["#.utf8
        for (index, frame) in stackTrace.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            Self.appendJSONString(frame, to: &json)
        }
        json += "]}".utf8
        return json
    }

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
            case 0x00..<0x20:
                json += #"\u00"#.utf8
                json.append(hexDigits[Int(byte >> 4)])
                json.append(hexDigits[Int(byte & 0x0F)])
            default: json.append(byte)
            }
        }
        json.append(UInt8(ascii: "\""))
    }
}
