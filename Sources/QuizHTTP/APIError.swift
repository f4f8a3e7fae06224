import FoundationEssentials

/// An error as the caller of the HTTP API sees it: a code, an HTTP status and a message
/// (PRODUCT.md §3).
///
/// Handlers map their domain and storage errors to one of these once, at the edge (STYLE.md);
/// `response(requestId:)` turns it into the `{"error": {…}}` body. Errors compare by code. The
/// message is written for the API's user and never holds internals: `underlying` keeps the cause
/// for the logs only and is never sent.
public struct APIError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable machine-readable code; the raw value is the wire spelling.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// 400: the body is not JSON (or is empty where JSON is required).
        case malformedJSON = "MALFORMED_JSON"
        /// 400: the request is malformed otherwise (bad path id, bad query parameter).
        case badRequest = "BAD_REQUEST"
        /// 401: no authenticated caller.
        case unauthenticated = "UNAUTHENTICATED"
        /// 403: the caller may not do this (another user's progress, importing without `authors`).
        case forbidden = "FORBIDDEN"
        /// 404: no route has this path.
        case notFound = "NOT_FOUND"
        /// 404: no such session for this caller; also another user's session, never revealed.
        case sessionNotFound = "SESSION_NOT_FOUND"
        /// 404: no such question.
        case questionNotFound = "QUESTION_NOT_FOUND"
        /// 404: no such question bank.
        case bankNotFound = "BANK_NOT_FOUND"
        /// 405: the path exists but not with this method; the response carries `Allow`.
        case methodNotAllowed = "METHOD_NOT_ALLOWED"
        /// 409: `expectedVersion` or a concurrent write disagreed with the stored version.
        case versionConflict = "VERSION_CONFLICT"
        /// 409: the answer is for a question other than the one being served.
        case staleQuestion = "STALE_QUESTION"
        /// 409: the session's time limit has passed.
        case sessionExpired = "SESSION_EXPIRED"
        /// 409: the session is completed, expired or abandoned.
        case sessionNotActive = "SESSION_NOT_ACTIVE"
        /// 409: a request with the same idempotency key is still being processed.
        case requestInProgress = "REQUEST_IN_PROGRESS"
        /// 409: a flashcard rating sent before the card's back was revealed.
        case cardNotRevealed = "CARD_NOT_REVEALED"
        /// 413: the body is over the route's size limit.
        case payloadTooLarge = "PAYLOAD_TOO_LARGE"
        /// 415: the body's content type is not one the route reads.
        case unsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
        /// 422: the idempotency key was used before with a different body.
        case idempotencyKeyMismatch = "IDEMPOTENCY_KEY_MISMATCH"
        /// 422: the JSON is well-formed but its content is invalid; `details` says where.
        case validationFailed = "VALIDATION_FAILED"
        /// 429: too many requests; the response carries `Retry-After`.
        case throttled = "THROTTLED"
        /// 503: storage is unreachable or its circuit is open; the response carries `Retry-After`.
        case storageUnavailable = "STORAGE_UNAVAILABLE"
        /// 502: the worker process running the function crashed, reported an error or returned
        /// something that is not a proxy response (`local-runner serve`; API Gateway's own 502).
        case workerFailed = "WORKER_FAILED"
        /// 504: the function did not answer within its timeout, and its worker was replaced
        /// (`local-runner serve`; API Gateway's own 504).
        case workerTimeout = "WORKER_TIMEOUT"
        /// 500: a defect on the server's side; the message says nothing more.
        case `internal` = "INTERNAL"

        /// The HTTP status code this code is answered with.
        public var status: Int {
            switch self {
            case .malformedJSON, .badRequest: 400
            case .unauthenticated: 401
            case .forbidden: 403
            case .notFound, .sessionNotFound, .questionNotFound, .bankNotFound: 404
            case .methodNotAllowed: 405
            case .versionConflict, .staleQuestion, .sessionExpired, .sessionNotActive, .requestInProgress, .cardNotRevealed: 409
            case .payloadTooLarge: 413
            case .unsupportedMediaType: 415
            case .idempotencyKeyMismatch, .validationFailed: 422
            case .throttled: 429
            case .internal: 500
            case .workerFailed: 502
            case .storageUnavailable: 503
            case .workerTimeout: 504
            }
        }
    }

    /// One problem in a request's content: which field (or which row of an import) and what is
    /// wrong with it.
    public struct Detail: Sendable, Hashable, Codable {
        /// The field's path in the body, such as `selectedAnswers[1]` or `answers[0].id`.
        public var field: String?
        /// The 1-based row of an imported file the problem is in.
        public var row: Int?
        /// What is wrong, for a person to read.
        public var message: String

        /// A detail.
        public init(field: String? = nil, row: Int? = nil, message: String) {
            self.field = field
            self.row = row
            self.message = message
        }
    }

    /// What went wrong.
    public var code: Code
    /// An explanation for the API's user; never internals, secrets or correct answers.
    public var message: String
    /// Per-field or per-row problems; sent only when not empty.
    public var details: [Detail]
    /// For `throttled` and `storageUnavailable`: whole seconds to wait, sent as `Retry-After`.
    public var retryAfterSeconds: Int?
    /// For `methodNotAllowed`: the methods the path does support, sent as `Allow`.
    public var allowedMethods: [HTTPMethod]
    /// The cause, for logs; never part of the response.
    public var underlying: (any Error & Sendable)?

    /// An error; see the static factories for the usual ones.
    public init(
        _ code: Code, _ message: String, details: [Detail] = [], retryAfterSeconds: Int? = nil,
        allowedMethods: [HTTPMethod] = [], underlying: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.details = details
        self.retryAfterSeconds = retryAfterSeconds
        self.allowedMethods = allowedMethods
        self.underlying = underlying
    }

    /// The HTTP status code of this error.
    public var status: Int { code.status }

    public var description: String { "\(code.rawValue): \(message)" }
}

extension APIError: Equatable {
    /// Errors are equal when their codes are.
    public static func == (lhs: APIError, rhs: APIError) -> Bool { lhs.code == rhs.code }
}

// MARK: - Response

extension APIError {
    /// `error` as an `APIError`: itself when it is one, otherwise 500 `INTERNAL` holding it as
    /// the underlying cause. The catch-all at a handler's edge, so that an unexpected error still
    /// reaches the caller as a structured error (PRODUCT.md §2.6) without revealing what it was.
    public static func converting(_ error: any Error) -> APIError {
        if let apiError = error as? APIError {
            return apiError
        }
        return .internal(underlying: error)
    }

    /// The response for this error:
    /// `{"error": {"code": "…", "message": "…", "requestId": "…", "details": […]}}` with the
    /// code's status, `content-type: application/json`, and `allow` or `retry-after` when the
    /// error carries them. `details` is left out when empty.
    ///
    /// - Parameter requestId: API Gateway's request id (`requestContext.requestId`), so that a
    ///   user's report can be matched with the log line of the invocation.
    public func response(requestId: String) -> HTTPResponseEvent {
        var headers: HTTPHeaders = ["content-type": "application/json"]
        if !allowedMethods.isEmpty {
            headers["allow"] = allowedMethods.map(\.rawValue).joined(separator: ", ")
        }
        if let retryAfterSeconds {
            // Delay-seconds form of Retry-After (RFC 9110 §10.2.3): no clock needed to build it.
            headers["retry-after"] = String(retryAfterSeconds)
        }
        let envelope = ErrorEnvelope(
            error: ErrorEnvelope.Body(
                code: code.rawValue,
                message: message,
                requestId: requestId,
                details: details.isEmpty ? nil : details
            )
        )
        return HTTPResponseEvent(statusCode: status, headers: headers, body: envelope.jsonText)
    }
}

// MARK: - Wire form

/// The `{"error": {…}}` document of PRODUCT.md §3.
private struct ErrorEnvelope: Encodable {
    struct Body: Encodable {
        var code: String
        var message: String
        var requestId: String
        // Optional so the synthesized encoding leaves the key out (`encodeIfPresent`).
        var details: [APIError.Detail]?
    }

    var error: Body

    /// The document as text.
    ///
    /// Strings, integers and optional strings cannot fail to encode; the fallback exists only so
    /// that this path, the one that reports failures, has no failure of its own.
    var jsonText: String {
        guard let data = try? JSONCoding.encoder.encode(self) else {
            return #"{"error":{"code":"INTERNAL","message":"Something went wrong on our side.","requestId":""}}"#
        }
        return String(decoding: data, as: UTF8.self)
    }
}
