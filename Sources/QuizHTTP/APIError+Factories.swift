/// The errors of PRODUCT.md §3 with their usual messages. Each message may be replaced by one
/// that says more, as long as it stays free of internals.
extension APIError {
    // MARK: - 400

    /// 400 `MALFORMED_JSON`: the body cannot be read as JSON.
    public static func malformedJSON(_ message: String = "The request body is not valid JSON.") -> APIError {
        APIError(.malformedJSON, message)
    }

    /// 400 `BAD_REQUEST`: the request is malformed, e.g. a path id or query parameter.
    public static func badRequest(_ message: String, details: [Detail] = []) -> APIError {
        APIError(.badRequest, message, details: details)
    }

    // MARK: - 401, 403, 404, 405

    /// 401 `UNAUTHENTICATED`: the request carries no authenticated caller.
    public static func unauthenticated(_ message: String = "This request needs an authenticated caller.") -> APIError {
        APIError(.unauthenticated, message)
    }

    /// 403 `FORBIDDEN`: the caller is known but may not do this.
    public static func forbidden(_ message: String = "You are not allowed to do this.") -> APIError {
        APIError(.forbidden, message)
    }

    /// 404 `NOT_FOUND`: no route has this path.
    public static func notFound(method: HTTPMethod, path: String) -> APIError {
        APIError(.notFound, "No route matches \(method) \(path).")
    }

    /// 404 `SESSION_NOT_FOUND`: the caller has no such session. Another user's session gets this
    /// too, so that its existence is never revealed (PRODUCT.md §2.5).
    public static func sessionNotFound(_ message: String = "No such session.") -> APIError {
        APIError(.sessionNotFound, message)
    }

    /// 404 `QUESTION_NOT_FOUND`: no such question.
    public static func questionNotFound(_ message: String = "No such question.") -> APIError {
        APIError(.questionNotFound, message)
    }

    /// 404 `BANK_NOT_FOUND`: no such question bank.
    public static func bankNotFound(_ message: String = "No such question bank.") -> APIError {
        APIError(.bankNotFound, message)
    }

    /// 405 `METHOD_NOT_ALLOWED`: the path exists with other methods, which `Allow` will list
    /// (RFC 9110 §15.5.6 requires the header).
    public static func methodNotAllowed(_ method: HTTPMethod, allowed: [HTTPMethod]) -> APIError {
        let allowed = Array(Set(allowed)).sorted()
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(.methodNotAllowed, "\(method) is not allowed here; use \(list).", allowedMethods: allowed)
    }

    // MARK: - 409

    /// 409 `VERSION_CONFLICT`: the session changed since the caller read it.
    public static func versionConflict(
        _ message: String = "The session was changed by another request; reload it and try again."
    ) -> APIError {
        APIError(.versionConflict, message)
    }

    /// 409 `STALE_QUESTION`: the answer is for a question that is no longer being served.
    public static func staleQuestion(
        _ message: String = "That question is no longer the one being served; fetch the current question."
    ) -> APIError {
        APIError(.staleQuestion, message)
    }

    /// 409 `CARD_NOT_REVEALED`: a flashcard is rated before its back was revealed.
    public static func cardNotRevealed(
        _ message: String = "Reveal the card (POST /sessions/{sessionId}/reveal) before rating it."
    ) -> APIError {
        APIError(.cardNotRevealed, message)
    }

    /// 409 `SESSION_EXPIRED`: the session's time limit has passed.
    public static func sessionExpired(_ message: String = "The session's time limit has passed.") -> APIError {
        APIError(.sessionExpired, message)
    }

    /// 409 `SESSION_NOT_ACTIVE`: the session is completed, expired or abandoned.
    public static func sessionNotActive(_ message: String = "The session is no longer active.") -> APIError {
        APIError(.sessionNotActive, message)
    }

    /// 409 `REQUEST_IN_PROGRESS`: the first request with this idempotency key has not finished.
    public static func requestInProgress(
        _ message: String = "A request with this Idempotency-Key is still in progress; retry shortly."
    ) -> APIError {
        APIError(.requestInProgress, message)
    }

    // MARK: - 413, 415, 422

    /// 413 `PAYLOAD_TOO_LARGE`: the body is over `limit` bytes.
    public static func payloadTooLarge(limit: Int) -> APIError {
        APIError(.payloadTooLarge, "The request body is larger than the \(limit)-byte limit.")
    }

    /// 415 `UNSUPPORTED_MEDIA_TYPE`: the body's `Content-Type` is not one of `supported`.
    public static func unsupportedMediaType(_ contentType: String, supported: [String]) -> APIError {
        let list = supported.joined(separator: ", ")
        return APIError(.unsupportedMediaType, "Content-Type \(contentType) is not supported here; send \(list).")
    }

    /// 422 `IDEMPOTENCY_KEY_MISMATCH`: the key was first used with a different request body.
    public static func idempotencyKeyMismatch(
        _ message: String = "This Idempotency-Key was already used with a different request body."
    ) -> APIError {
        APIError(.idempotencyKeyMismatch, message)
    }

    /// 422 `VALIDATION_FAILED`: the content is invalid; `details` lists each problem.
    public static func validationFailed(
        _ details: [Detail], message: String = "The request is not valid."
    ) -> APIError {
        APIError(.validationFailed, message, details: details)
    }

    // MARK: - 429, 500, 503

    /// 429 `THROTTLED`: too many requests; try again after `retryAfterSeconds`.
    public static func throttled(retryAfterSeconds: Int = 1) -> APIError {
        APIError(.throttled, "Too many requests; slow down.", retryAfterSeconds: max(retryAfterSeconds, 0))
    }

    /// 503 `STORAGE_UNAVAILABLE`: storage cannot be used now (a circuit breaker is open, the
    /// backend is unreachable); try again after `retryAfterSeconds`.
    public static func storageUnavailable(
        retryAfterSeconds: Int, underlying: (any Error & Sendable)? = nil
    ) -> APIError {
        APIError(
            .storageUnavailable, "Storage is unavailable right now; try again later.",
            retryAfterSeconds: max(retryAfterSeconds, 0), underlying: underlying
        )
    }

    /// 500 `INTERNAL`: a defect on the server's side. The message is fixed so that nothing about
    /// the cause can leak; `underlying` is kept for the logs.
    public static func `internal`(underlying: (any Error & Sendable)? = nil) -> APIError {
        APIError(.internal, "Something went wrong on our side.", underlying: underlying)
    }
}
