import FoundationEssentials

extension HTTPRequestEvent {
    /// The body size limit of ordinary routes: 256 KiB, far above any answer or session request
    /// and far below Lambda's 6 MB invocation payload
    /// (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), which bounds what
    /// an import route may pass instead.
    public static let defaultBodyLimit = 256 * 1024

    /// The body's bytes, whatever their content type (CSV and JSON Lines imports read these).
    ///
    /// - Throws: 413 `PAYLOAD_TOO_LARGE` when the body is over `limit` bytes.
    public func body(limit: Int) throws(APIError) -> Data {
        guard body.count <= limit else { throw .payloadTooLarge(limit: limit) }
        return body
    }

    /// Checks that the body, if typed at all, is JSON in UTF-8.
    ///
    /// Accepts no `Content-Type` (many clients omit it), `application/json` and any
    /// `application/*+json`, with any parameters; a `charset` other than UTF-8 is refused, as
    /// JSON exchanged between systems must be UTF-8 (RFC 8259 §8.1).
    ///
    /// - Throws: 415 `UNSUPPORTED_MEDIA_TYPE` otherwise.
    public func requireJSONContentType() throws(APIError) {
        guard let mediaType = headers.mediaType else { return }
        let isJSON = mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
        let charsetIsUTF8 = headers.charset.map { $0 == "utf-8" || $0 == "utf8" } ?? true
        guard isJSON, charsetIsUTF8 else {
            throw .unsupportedMediaType(headers["content-type"] ?? mediaType, supported: ["application/json"])
        }
    }

    /// The body decoded as JSON into `type`, with every failure mapped to the error a caller
    /// should see. In order:
    ///
    /// - a non-JSON `Content-Type` → 415 `UNSUPPORTED_MEDIA_TYPE` (see `requireJSONContentType()`);
    /// - a body over `limit` bytes → 413 `PAYLOAD_TOO_LARGE`;
    /// - an empty body → 400 `MALFORMED_JSON`: an absent document is not JSON, and no field can be
    ///   named as wrong (use `decodeJSONIfPresent` where a body is optional);
    /// - text that is not JSON → 400 `MALFORMED_JSON`;
    /// - JSON of the wrong shape → 422 `VALIDATION_FAILED` with one detail naming the field by
    ///   its path, e.g. `{"field": "selectedAnswers[1]", "message": "expected a string"}`;
    /// - an `APIError` thrown by the type's own `init(from:)` → that error, so a type can
    ///   validate its values while decoding; any other error it throws → 422 `VALIDATION_FAILED`.
    public func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int = defaultBodyLimit) throws(APIError) -> T {
        try requireJSONContentType()
        return try decodeWithJSONDecoder(type, bytes: try body(limit: limit))
    }

    private func decodeWithJSONDecoder<T: Decodable>(_ type: T.Type, bytes: Data) throws(APIError) -> T {
        guard !bytes.isEmpty else {
            throw .malformedJSON("The request body is empty; a JSON document is required.")
        }
        do {
            return try JSONCoding.decoder.decode(type, from: bytes)
        } catch let error as DecodingError {
            throw Self.apiError(for: error, in: bytes)
        } catch let error as APIError {
            throw error
        } catch {
            throw .validationFailed([], message: "The request body is not valid.")
        }
    }

    /// `decodeJSON` for a type with a hand-written reading of well-formed bodies: the body is
    /// read without `JSONDecoder` when it is strict JSON of exactly the expected shape, and goes
    /// through `decodeJSON` otherwise, which then reports any problem as it always does.
    public func decodeJSON<T: FastJSONDecodable>(_ type: T.Type, limit: Int = defaultBodyLimit) throws(APIError) -> T {
        try requireJSONContentType()
        let bytes = try body(limit: limit)
        let fast = bytes.withUnsafeBytes { buffer in
            FastObject.parse(buffer).flatMap { json in T(fastJSON: FastObject(json)) }
        }
        if let fast { return fast }
        return try decodeWithJSONDecoder(type, bytes: bytes)
    }

    /// Like `decodeJSON`, but an empty body is `nil` instead of an error, for routes whose body
    /// is optional (such as `POST /sessions/{sessionId}/complete`).
    public func decodeJSONIfPresent<T: Decodable>(_ type: T.Type, limit: Int = defaultBodyLimit) throws(APIError) -> T? {
        guard !body.isEmpty else { return nil }
        return try decodeJSON(type, limit: limit)
    }

    // MARK: - Mapping decoding errors

    /// The error for the caller of a `DecodingError`.
    static func apiError(for error: DecodingError, in body: Data) -> APIError {
        switch error {
        case .typeMismatch(let type, let context):
            return invalid(context.codingPath, "expected \(JSONTypeName.of(type))")
        case .valueNotFound(let type, let context):
            return invalid(context.codingPath, "expected \(JSONTypeName.of(type)), found null")
        case .keyNotFound(let key, let context):
            return invalid(context.codingPath + [key], "is required")
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            return invalid(context.codingPath, "has an invalid value")
        case .dataCorrupted:
            // swift-foundation reports both broken syntax and a number that does not fit its
            // Swift type (1.5 or 300 for a UInt8) as "not valid JSON" at the root, dropping the
            // path. A second, shape-free parse tells the two apart so that well-formed JSON is
            // never called malformed.
            guard (try? JSONCoding.decoder.decode(JSONSyntaxCheck.self, from: body)) != nil else {
                return .malformedJSON()
            }
            return invalid([], "has a value of the wrong form, such as a number that is too large or not a whole number")
        @unknown default:
            return .validationFailed([], message: "The request body is not valid.")
        }
    }

    private static func invalid(_ path: [any CodingKey], _ problem: String) -> APIError {
        let field = fieldPath(path)
        let subject = field.map { "Field '\($0)'" } ?? "The request body"
        return .validationFailed([APIError.Detail(field: field, message: problem)], message: "\(subject) \(problem).")
    }

    /// A coding path as a field path: `answers[0].id`; `nil` for the document itself.
    static func fieldPath(_ path: [any CodingKey]) -> String? {
        var text = ""
        for key in path {
            // JSONDecoder names array positions "Index N" with an int value; dictionary keys that
            // happen to be numbers keep their own text and stay names.
            if let index = key.intValue, key.stringValue == "Index \(index)" {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text.isEmpty ? nil : text
    }
}

// MARK: - Helpers

/// A request body type that can read its common, well-formed case from a parsed document itself,
/// faster than `JSONDecoder` (see `FastObject` and docs/json.md).
public protocol FastJSONDecodable: Decodable {
    /// The value, when the document has exactly the shape the synthesized `init(from:)` accepts
    /// and every field its type; `nil` otherwise, and `JSONDecoder` then decides.
    init?(fastJSON json: FastObject)
}

/// Reads any JSON value to its leaves, to learn only whether a document is well-formed.
private struct JSONSyntaxCheck: Decodable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { return }
        if (try? container.decode(Bool.self)) != nil { return }
        if (try? container.decode(Double.self)) != nil { return }
        if (try? container.decode(String.self)) != nil { return }
        if (try? container.decode([JSONSyntaxCheck].self)) != nil { return }
        _ = try container.decode([String: JSONSyntaxCheck].self)
    }
}

/// The JSON name of the Swift type a decoder expected, for messages such as "expected a string".
private enum JSONTypeName {
    static func of(_ type: Any.Type) -> String {
        if type == String.self || type == Character.self { return "a string" }
        if type == Bool.self { return "a boolean" }
        if type is any BinaryInteger.Type { return "an integer" }
        if type is any BinaryFloatingPoint.Type || type == Decimal.self { return "a number" }
        // JSONDecoder names container mismatches with these two stand-in types.
        if type == [Any].self { return "an array" }
        if type == [String: Any].self { return "an object" }
        return "a value of another type"
    }
}
