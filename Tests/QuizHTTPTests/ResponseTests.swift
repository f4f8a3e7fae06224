import FoundationEssentials
import QuizHTTP
import Testing

@Suite struct APIErrorTests {
    @Test(arguments: [
        (APIError.Code.malformedJSON, "MALFORMED_JSON", 400),
        (.badRequest, "BAD_REQUEST", 400),
        (.unauthenticated, "UNAUTHENTICATED", 401),
        (.forbidden, "FORBIDDEN", 403),
        (.notFound, "NOT_FOUND", 404),
        (.sessionNotFound, "SESSION_NOT_FOUND", 404),
        (.questionNotFound, "QUESTION_NOT_FOUND", 404),
        (.bankNotFound, "BANK_NOT_FOUND", 404),
        (.methodNotAllowed, "METHOD_NOT_ALLOWED", 405),
        (.versionConflict, "VERSION_CONFLICT", 409),
        (.staleQuestion, "STALE_QUESTION", 409),
        (.sessionExpired, "SESSION_EXPIRED", 409),
        (.sessionNotActive, "SESSION_NOT_ACTIVE", 409),
        (.requestInProgress, "REQUEST_IN_PROGRESS", 409),
        (.cardNotRevealed, "CARD_NOT_REVEALED", 409),
        (.payloadTooLarge, "PAYLOAD_TOO_LARGE", 413),
        (.unsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", 415),
        (.idempotencyKeyMismatch, "IDEMPOTENCY_KEY_MISMATCH", 422),
        (.validationFailed, "VALIDATION_FAILED", 422),
        (.throttled, "THROTTLED", 429),
        (.internal, "INTERNAL", 500),
        (.storageUnavailable, "STORAGE_UNAVAILABLE", 503),
        (.workerFailed, "WORKER_FAILED", 502),
        (.workerTimeout, "WORKER_TIMEOUT", 504),
    ])
    func everyCodeHasItsWireNameAndStatus(code: APIError.Code, wireName: String, status: Int) {
        #expect(code.rawValue == wireName)
        #expect(code.status == status)
        #expect(APIError(code, "m").response(requestId: "r").statusCode == status)
    }

    @Test func everyCodeIsInTheStatusTable() {
        #expect(APIError.Code.allCases.count == 24)
    }

    @Test func factoriesProduceTheirCodes() {
        let pairs: [(APIError, APIError.Code)] = [
            (.malformedJSON(), .malformedJSON), (.badRequest("x"), .badRequest), (.unauthenticated(), .unauthenticated),
            (.forbidden(), .forbidden), (.notFound(method: .get, path: "/x"), .notFound),
            (.sessionNotFound(), .sessionNotFound), (.questionNotFound(), .questionNotFound),
            (.bankNotFound(), .bankNotFound), (.methodNotAllowed(.put, allowed: [.get]), .methodNotAllowed),
            (.versionConflict(), .versionConflict), (.staleQuestion(), .staleQuestion),
            (.sessionExpired(), .sessionExpired), (.sessionNotActive(), .sessionNotActive),
            (.requestInProgress(), .requestInProgress), (.cardNotRevealed(), .cardNotRevealed), (.payloadTooLarge(limit: 1), .payloadTooLarge),
            (.unsupportedMediaType("text/plain", supported: ["application/json"]), .unsupportedMediaType),
            (.idempotencyKeyMismatch(), .idempotencyKeyMismatch), (.validationFailed([]), .validationFailed),
            (.throttled(), .throttled), (.storageUnavailable(retryAfterSeconds: 1), .storageUnavailable),
            (.internal(), .internal), (APIError(.workerFailed, "worker died"), .workerFailed),
            (APIError(.workerTimeout, "worker too slow"), .workerTimeout),
        ]
        #expect(pairs.map(\.0.code) == pairs.map(\.1))
        #expect(Set(pairs.map(\.1)) == Set(APIError.Code.allCases))
    }

    @Test func errorBodyHasTheExactShape() {
        let response = APIError.sessionNotFound().response(requestId: "KzW4shXyjoEEM6Q=")
        #expect(response.statusCode == 404)
        #expect(response.headers == ["content-type": "application/json"])
        #expect(response.body == #"{"error":{"code":"SESSION_NOT_FOUND","message":"No such session.","requestId":"KzW4shXyjoEEM6Q="}}"#)
        #expect(response.isBase64Encoded == false)
    }

    @Test func validationDetailsAreSentWithOnlyTheirPresentFields() {
        let error = APIError.validationFailed([
            APIError.Detail(field: "selectedAnswers[1]", message: "expected a string"),
            APIError.Detail(row: 3, message: "correctAnswers names no answer"),
            APIError.Detail(field: "text", row: 4, message: "is required"),
        ])
        #expect(error.response(requestId: "r-1").body == #"""
            {"error":{"code":"VALIDATION_FAILED","details":[{"field":"selectedAnswers[1]","message":"expected a string"},\#
            {"message":"correctAnswers names no answer","row":3},{"field":"text","message":"is required","row":4}],\#
            "message":"The request is not valid.","requestId":"r-1"}}
            """#)
    }

    @Test(arguments: [
        (APIError.throttled(retryAfterSeconds: 2), 429, "2"),
        (APIError.storageUnavailable(retryAfterSeconds: 30), 503, "30"),
        (APIError.storageUnavailable(retryAfterSeconds: -4), 503, "0"),
    ])
    func retryAfterIsSentInSeconds(error: APIError, status: Int, retryAfter: String) {
        let response = error.response(requestId: "r")
        #expect(response.statusCode == status)
        #expect(response.headers["Retry-After"] == retryAfter)
    }

    @Test func methodNotAllowedListsEachMethodOnceInOrder() {
        let error = APIError.methodNotAllowed(.delete, allowed: [.post, .get, .post])
        #expect(error.message == "DELETE is not allowed here; use GET, POST.")
        #expect(error.response(requestId: "r").headers["allow"] == "GET, POST")
    }

    @Test func otherErrorsCarryNeitherAllowNorRetryAfter() {
        let headers = APIError.versionConflict().response(requestId: "r").headers
        #expect(headers["allow"] == nil)
        #expect(headers["retry-after"] == nil)
    }

    private struct DatabaseFailure: Error, CustomStringConvertible {
        var description: String { "SQLITE_CORRUPT at /var/task/.quiz/quiz.db: SELECT * FROM items WHERE pk = 'USER#u-1'" }
    }

    @Test func unexpectedErrorsBecomeAnInternalErrorThatRevealsNothing() {
        let error = APIError.converting(DatabaseFailure())
        #expect(error.code == .internal)
        #expect(error.underlying is DatabaseFailure)
        let response = error.response(requestId: "r-5")
        #expect(response.statusCode == 500)
        #expect(response.body == #"{"error":{"code":"INTERNAL","message":"Something went wrong on our side.","requestId":"r-5"}}"#)
        #expect(!error.description.contains("SQLITE"))
    }

    @Test func apiErrorsPassThroughConversionUnchanged() {
        let converted = APIError.converting(APIError.staleQuestion("Answer q-3, not q-2."))
        #expect(converted.code == .staleQuestion)
        #expect(converted.message == "Answer q-3, not q-2.")
    }

    @Test func errorsCompareByCodeAndDescribeThemselvesWithIt() {
        #expect(APIError.badRequest("one") == APIError.badRequest("two"))
        #expect(APIError.badRequest("one") != APIError.forbidden("one"))
        #expect(APIError.payloadTooLarge(limit: 1024).description == "PAYLOAD_TOO_LARGE: The request body is larger than the 1024-byte limit.")
    }

    @Test func messagesAreEscapedAsJSON() {
        let body = APIError.badRequest(#"bad "id" \ here"#).response(requestId: "r").body
        #expect(body == #"{"error":{"code":"BAD_REQUEST","message":"bad \"id\" \\ here","requestId":"r"}}"#)
    }
}

@Suite struct HTTPResponseEventTests {
    private struct SessionStarted: Encodable {
        var sessionId: String
        var version: Int
        var penaltyIndicator: String
        var question: String?
        var links: [String]
    }

    @Test func jsonResponseHasContentTypeAndSortedCompactBody() throws {
        let value = SessionStarted(sessionId: "s-1", version: 1, penaltyIndicator: "", question: nil, links: ["/sessions/s-1"])
        let response = try HTTPResponseEvent.json(201, value, headers: ["Location": "/sessions/s-1"])
        #expect(response.statusCode == 201)
        #expect(response.headers == ["content-type": "application/json", "location": "/sessions/s-1"])
        #expect(response.body == #"{"links":["/sessions/s-1"],"penaltyIndicator":"","sessionId":"s-1","version":1}"#)
        #expect(response.isBase64Encoded == false)
    }

    @Test func jsonHelperOverridesAContentTypeGivenInAnyCase() throws {
        let response = try HTTPResponseEvent.json(200, ["ok": true], headers: ["Content-Type": "text/plain"])
        #expect(response.headers["content-type"] == "application/json")
        #expect(response.headers.count == 1)
    }

    @Test func proxyResponseDocumentHasTheExactShape() throws {
        let response = try HTTPResponseEvent.json(200, ["status": "ok"])
        let json = String(decoding: try response.jsonData(), as: UTF8.self)
        #expect(json == #"{"body":"{\"status\":\"ok\"}","headers":{"content-type":"application/json"},"isBase64Encoded":false,"statusCode":200}"#)
    }

    @Test func noContentHasNoBody() throws {
        let response = HTTPResponseEvent.noContent()
        #expect(response.statusCode == 204)
        #expect(response.body == "")
        #expect(response.headers.isEmpty)
        let json = String(decoding: try response.jsonData(), as: UTF8.self)
        #expect(json == #"{"body":"","headers":{},"isBase64Encoded":false,"statusCode":204}"#)
    }

    @Test func decodesWhatItEncodes() throws {
        let response = APIError.throttled(retryAfterSeconds: 3).response(requestId: "r-1")
        let decoded = try JSONDecoder().decode(HTTPResponseEvent.self, from: response.jsonData())
        #expect(decoded == response)
    }

    @Test func decodesAMinimalResponseWithDefaults() throws {
        let decoded = try JSONDecoder().decode(HTTPResponseEvent.self, from: Data(#"{"statusCode":202,"headers":null}"#.utf8))
        #expect(decoded == HTTPResponseEvent(statusCode: 202))
    }

    private struct Unencodable: Encodable {
        func encode(to encoder: any Encoder) throws {
            throw EncodingError.invalidValue(Double.nan, EncodingError.Context(codingPath: [], debugDescription: "secret detail"))
        }
    }

    @Test func encodingFailureIsAnInternalErrorKeepingTheCause() {
        do {
            _ = try HTTPResponseEvent.json(200, Unencodable())
            Issue.record("encoded a value that cannot be encoded")
        } catch {
            #expect(error.code == .internal)
            #expect(error.underlying is EncodingError)
            #expect(!error.response(requestId: "r").body.contains("secret"))
        }
    }
}
