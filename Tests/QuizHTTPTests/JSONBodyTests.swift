import FoundationEssentials
import QuizHTTP
import Testing

private struct AnswerRequest: Decodable, Equatable {
    var questionId: String
    var selectedAnswers: [String]
    var timeSpentMs: Int?
    var expectedVersion: Int?
}

private struct QuestionImport: Decodable {
    struct Question: Decodable {
        struct Answer: Decodable {
            var id: String
            var text: String
        }

        enum Kind: String, Decodable { case single, multi }

        var id: String
        var kind: Kind?
        var answers: [Answer]
    }

    var questions: [Question]
}

/// A type that validates while decoding and says so with an `APIError`.
private struct StartSession: Decodable {
    var questionCount: Int

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        questionCount = try container.decode(Int.self, forKey: .questionCount)
        guard (1...50).contains(questionCount) else {
            throw APIError.validationFailed([APIError.Detail(field: "questionCount", message: "must be from 1 to 50")])
        }
    }

    private enum CodingKeys: String, CodingKey { case questionCount }
}

/// The error `decodeJSON` throws for `body`, or `nil` when it decodes.
private func decodingError<T: Decodable>(
    _ type: T.Type, _ body: String, headers: HTTPHeaders = ["content-type": "application/json"], limit: Int = HTTPRequestEvent.defaultBodyLimit
) -> APIError? {
    do {
        _ = try Fixtures.post(body, headers: headers).decodeJSON(type, limit: limit)
        return nil
    } catch {
        return error
    }
}

@Suite struct JSONBodyTests {
    @Test func decodesTheAnswerFixturesBody() throws {
        let request = try Fixtures.event("http-api-v2-answer.json")
        let answer = try request.decodeJSON(AnswerRequest.self)
        #expect(answer == AnswerRequest(questionId: "q-17", selectedAnswers: ["b", "c"], timeSpentMs: 5120, expectedVersion: 6))
        #expect(try Fixtures.event("rest-api-v1-answer.json").decodeJSON(AnswerRequest.self) == answer)
    }

    @Test(arguments: ["", "   ", "{", "nul", #"{"questionId":"q""#, "{'questionId':'q'}", #"{"questionId":"q"} trailing"#, "{,}"])
    func textThatIsNotJSONIsMalformed(body: String) {
        let error = decodingError(AnswerRequest.self, body)
        #expect(error?.code == .malformedJSON)
        #expect(error?.status == 400)
        #expect(error?.details == [])
    }

    @Test func emptyBodySaysAJSONDocumentIsRequired() {
        let error = decodingError(AnswerRequest.self, "")
        #expect(error?.message == "The request body is empty; a JSON document is required.")
    }

    @Test(arguments: [
        (#"{"selectedAnswers":["a"]}"#, "questionId", "is required"),
        (#"{"questionId":7,"selectedAnswers":[]}"#, "questionId", "expected a string"),
        (#"{"questionId":null,"selectedAnswers":[]}"#, "questionId", "expected a string, found null"),
        (#"{"questionId":"q","selectedAnswers":"a"}"#, "selectedAnswers", "expected an array"),
        (#"{"questionId":"q","selectedAnswers":["a",1]}"#, "selectedAnswers[1]", "expected a string"),
        (#"{"questionId":"q","selectedAnswers":[],"timeSpentMs":"fast"}"#, "timeSpentMs", "expected an integer"),
        (#"{"questionId":"q","selectedAnswers":[],"expectedVersion":true}"#, "expectedVersion", "expected an integer"),
    ] as [(String, String, String)])
    func wrongShapeIsAValidationFailureNamingTheField(body: String, field: String, problem: String) {
        let error = decodingError(AnswerRequest.self, body)
        #expect(error?.code == .validationFailed)
        #expect(error?.status == 422)
        #expect(error?.details == [APIError.Detail(field: field, message: problem)])
        #expect(error?.message == "Field '\(field)' \(problem).")
    }

    @Test(arguments: [
        (
            #"{"questions":[{"id":"q-1","answers":[]},{"id":"q-2","answers":[{"id":"a","text":"x"},{"text":"y"}]}]}"#,
            "questions[1].answers[1].id", "is required"
        ),
        (#"{"questions":[{"id":"q-1","kind":"many","answers":[]}]}"#, "questions[0].kind", "has an invalid value"),
        (#"{"questions":[{"id":"q-1","answers":{"id":"a"}}]}"#, "questions[0].answers", "expected an array"),
        (#"{"questions":[{"id":"q-1","answers":["a"]}]}"#, "questions[0].answers[0]", "expected an object"),
    ])
    func nestedPathsNameArrayPositionsAndKeys(body: String, field: String, problem: String) {
        #expect(decodingError(QuestionImport.self, body)?.details == [APIError.Detail(field: field, message: problem)])
    }

    @Test func validationErrorBodyIsExact() {
        let error = decodingError(AnswerRequest.self, #"{"questionId":"q-17","selectedAnswers":["b",2]}"#)
        #expect(error?.response(requestId: "r-1").body == #"""
            {"error":{"code":"VALIDATION_FAILED","details":[{"field":"selectedAnswers[1]","message":"expected a string"}],\#
            "message":"Field 'selectedAnswers[1]' expected a string.","requestId":"r-1"}}
            """#)
    }

    @Test(arguments: ["[]", "\"text\"", "42"])
    func documentOfTheWrongKindHasNoField(body: String) {
        let error = decodingError(AnswerRequest.self, body)
        #expect(error?.code == .validationFailed)
        #expect(error?.details == [APIError.Detail(field: nil, message: "expected an object")])
    }

    /// swift-foundation drops the path of these; they must still not be called malformed JSON.
    @Test(arguments: [
        #"{"questionId":"q","selectedAnswers":[],"timeSpentMs":1.5}"#,
        #"{"questionId":"q","selectedAnswers":[],"timeSpentMs":1e30}"#,
    ])
    func numberThatDoesNotFitIsAValidationFailure(body: String) {
        let error = decodingError(AnswerRequest.self, body)
        #expect(error?.code == .validationFailed)
        #expect(error?.details.first?.field == nil)
        #expect(error?.details.first?.message == "has a value of the wrong form, such as a number that is too large or not a whole number")
    }

    @Test func apiErrorThrownWhileDecodingPassesThrough() {
        let error = decodingError(StartSession.self, #"{"questionCount":500}"#)
        #expect(error?.code == .validationFailed)
        #expect(error?.details == [APIError.Detail(field: "questionCount", message: "must be from 1 to 50")])
    }

    @Test func bodyOverTheLimitIsTooLarge() throws {
        let body = #"{"questionId":"q","selectedAnswers":[]}"#
        let exact = body + String(repeating: " ", count: HTTPRequestEvent.defaultBodyLimit - body.utf8.count)
        #expect(decodingError(AnswerRequest.self, exact) == nil)
        let error = decodingError(AnswerRequest.self, exact + " ")
        #expect(error?.code == .payloadTooLarge)
        #expect(error?.status == 413)
        #expect(error?.message == "The request body is larger than the 262144-byte limit.")
        #expect(decodingError(AnswerRequest.self, exact + " ", limit: 6 * 1024 * 1024) == nil)
    }

    @Test func rawBodyLimitAppliesToAnyContentType() throws {
        let request = Fixtures.post("a,b\n1,2\n", headers: ["content-type": "text/csv"])
        #expect(try request.body(limit: 8) == Data("a,b\n1,2\n".utf8))
        #expect(throws: APIError.payloadTooLarge(limit: 7)) { try request.body(limit: 7) }
    }

    @Test(arguments: [
        HTTPHeaders(), ["content-type": "application/json"], ["Content-Type": "application/json; charset=utf-8"],
        ["content-type": "APPLICATION/JSON;charset=UTF-8"], ["content-type": "application/merge-patch+json"],
    ])
    func jsonContentTypesAreAccepted(headers: HTTPHeaders) {
        #expect(decodingError(AnswerRequest.self, #"{"questionId":"q","selectedAnswers":[]}"#, headers: headers) == nil)
    }

    @Test(arguments: ["text/plain", "text/csv", "application/x-www-form-urlencoded", "application/json; charset=iso-8859-1", "application/jsonp"])
    func otherContentTypesAreUnsupported(contentType: String) {
        let error = decodingError(AnswerRequest.self, #"{"questionId":"q","selectedAnswers":[]}"#, headers: ["content-type": contentType])
        #expect(error?.code == .unsupportedMediaType)
        #expect(error?.status == 415)
        #expect(error?.message == "Content-Type \(contentType) is not supported here; send application/json.")
    }

    @Test func optionalBodyMayBeEmptyButNotBroken() throws {
        #expect(try Fixtures.post("").decodeJSONIfPresent(AnswerRequest.self) == nil)
        #expect(try Fixtures.post(#"{"questionId":"q","selectedAnswers":[]}"#).decodeJSONIfPresent(AnswerRequest.self)?.questionId == "q")
        #expect(throws: APIError.malformedJSON()) { try Fixtures.post("{").decodeJSONIfPresent(AnswerRequest.self) }
    }
}
