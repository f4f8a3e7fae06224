import QuizStore
import QuizStoreDynamoDB
import Testing

@Suite struct DynamoDBErrorTests {
    static func body(_ type: String, _ message: String? = nil, key: String = "message", extra: String = "") -> String {
        var text = #"{"__type":"\#(type)""#
        if let message { text += #","\#(key)":"\#(message)""# }
        return text + extra + "}"
    }

    static func map(_ status: Int, _ body: String, table: String? = nil) -> TableError {
        DynamoDBError(status: status, body: Array(body.utf8)).tableError(table: table)
    }

    struct MappingCase: Sendable, CustomTestStringConvertible {
        var status = 400
        var body: String
        var code: TableError.Code
        var message: String
        var testDescription: String { "\(status) \(body.prefix(80))" }
    }

    static let ddb = "com.amazonaws.dynamodb.v20120810#"
    static let coral = "com.amazon.coral.service#"
    static let validate = "com.amazon.coral.validate#"
    static let missingKey = "One or more parameter values were invalid: Missing the key sk in the item"

    static let mappings: [MappingCase] = [
        .init(
            body: body(ddb + "ProvisionedThroughputExceededException", "The level of configured provisioned throughput was exceeded."),
            code: .throttled, message: "DynamoDB throttled the request (ProvisionedThroughputExceededException)"
        ),
        .init(body: body(ddb + "ThrottlingException", "Rate of requests exceeds the allowed throughput.", key: "Message"),
              code: .throttled, message: "DynamoDB throttled the request (ThrottlingException)"),
        .init(body: body(ddb + "RequestLimitExceeded", "Throughput exceeds the current throughput limit for your account."),
              code: .throttled, message: "DynamoDB throttled the request (RequestLimitExceeded)"),
        .init(body: body(ddb + "LimitExceededException", "Too many operations."),
              code: .throttled, message: "DynamoDB throttled the request (LimitExceededException)"),
        .init(body: body(validate + "ValidationException", missingKey),
              code: .validation, message: "DynamoDB refused the request: \(missingKey) (ValidationException)"),
        .init(
            body: body(validate + "ValidationException", "Invalid UpdateExpression: Two document paths overlap", key: "Message"),
            code: .validation,
            message: "DynamoDB refused the request: Invalid UpdateExpression: Two document paths overlap (ValidationException)"
        ),
        .init(body: body(ddb + "ValidationException", "Item size has exceeded the maximum allowed size"),
              code: .itemTooLarge, message: "item is over DynamoDB's 400 KB limit (ValidationException)"),
        .init(body: body(ddb + "ValidationException", "Item size to update has exceeded the maximum allowed size", key: "Message"),
              code: .itemTooLarge, message: "item is over DynamoDB's 400 KB limit (ValidationException)"),
        .init(body: body(ddb + "ItemCollectionSizeLimitExceededException", "Collection size exceeded."),
              code: .itemTooLarge, message: "item collection is over DynamoDB's 10 GB limit (ItemCollectionSizeLimitExceededException)"),
        .init(body: body(ddb + "ResourceNotFoundException", "Requested resource not found: Table: quiz-sessions not found"),
              code: .validation, message: "a table of the request does not exist (ResourceNotFoundException)"),
        .init(body: body(ddb + "TransactionConflictException", "Transaction is ongoing for the item"),
              code: .busy, message: "a concurrent transaction holds the item (TransactionConflictException)"),
        .init(status: 500, body: body(ddb + "InternalServerError", "Internal server error"),
              code: .backendFailure, message: "DynamoDB failed (InternalServerError)"),
        .init(status: 503, body: body(coral + "ServiceUnavailableException", "Service unavailable"),
              code: .backendFailure, message: "DynamoDB failed with status 503 (ServiceUnavailableException)"),
        .init(status: 502, body: "<html>Bad Gateway</html>", code: .backendFailure, message: "DynamoDB failed with status 502"),
        .init(status: 400, body: "", code: .validation, message: "DynamoDB refused the request with status 400"),
        .init(status: 429, body: "slow down", code: .throttled, message: "DynamoDB throttled the request (status 429)"),
        .init(body: body(coral + "UnrecognizedClientException", "The security token included in the request is invalid."),
              code: .validation, message: "DynamoDB refused the credentials (UnrecognizedClientException)"),
        .init(body: body(coral + "MissingAuthenticationTokenException", "Request is missing Authentication Token"),
              code: .validation, message: "DynamoDB refused the credentials (MissingAuthenticationTokenException)"),
        .init(
            status: 403, body: body(coral + "AccessDeniedException", "User: arn:aws:sts::123456789012:assumed-role/q is not authorized", key: "Message"),
            code: .validation, message: "DynamoDB refused the credentials (AccessDeniedException)"
        ),
        .init(body: body(coral + "ExpiredTokenException", "The security token included in the request is expired"),
              code: .validation, message: "DynamoDB refused the credentials (ExpiredTokenException)"),
    ]

    @Test(arguments: mappings)
    func mapsErrorAnswers(_ testCase: MappingCase) {
        let error = Self.map(testCase.status, testCase.body)
        #expect(error.code == testCase.code)
        #expect(error.message == testCase.message)
        #expect(error.underlying is DynamoDBError)
    }

    @Test func retryabilityFollowsTheMapping() {
        #expect(Self.map(400, Self.body(Self.ddb + "ThrottlingException")).isRetryable)
        #expect(Self.map(500, Self.body(Self.ddb + "InternalServerError")).isRetryable)
        #expect(!Self.map(400, Self.body(Self.coral + "UnrecognizedClientException")).isRetryable)
        #expect(!Self.map(400, Self.body(Self.coral + "InvalidSignatureException")).isBackendFault)
    }

    @Test func namesTheMissingTable() {
        let error = Self.map(400, Self.body(Self.ddb + "ResourceNotFoundException", "Requested resource not found"), table: "quiz-sessions")
        #expect(error.message == "table 'quiz-sessions' does not exist (ResourceNotFoundException)")
    }

    @Test func failedConditionCarriesTheItemDynamoDBReturned() throws {
        let body = Self.body(
            Self.ddb + "ConditionalCheckFailedException", "The conditional request failed",
            extra: #","Item":{"pk":{"S":"user#1"},"sk":{"S":"profile"},"version":{"N":"3"}}"#
        )
        let error = Self.map(400, body)
        #expect(error.code == .conditionFailed)
        #expect(error.currentItem == ["pk": "user#1", "sk": "profile", "version": 3])
        #expect(!error.isRetryable)
    }

    @Test func failedConditionWithoutItemMeansTheItemIsAbsent() {
        let error = Self.map(400, Self.body(Self.ddb + "ConditionalCheckFailedException", "The conditional request failed", key: "Message"))
        #expect(error.code == .conditionFailed)
        #expect(error.currentItem == nil)
    }

    @Test func unreadableItemIsABackendFailureNotAnAbsentItem() {
        let body = Self.body(Self.ddb + "ConditionalCheckFailedException", "failed", extra: #","Item":{"pk":{"SS":["a"]}}"#)
        let error = Self.map(400, body)
        #expect(error.code == .backendFailure)
        #expect(error.message == "DynamoDB answered with an unreadable ConditionalCheckFailedException body")
    }

    @Test func cancelledTransactionCarriesOneReasonPerWrite() {
        let reasons = #"""
            ,"CancellationReasons":[{"Code":"None"},\#
            {"Code":"ConditionalCheckFailed","Item":{"pk":{"S":"user#1"},"n":{"N":"2"}},"Message":"The conditional request failed"},\#
            {"Code":"ConditionalCheckFailed","Message":"The conditional request failed"},\#
            {"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"},\#
            {"Code":"ProvisionedThroughputExceeded"},{"Code":"ThrottlingError"},{"Code":"ValidationError"},\#
            {"Code":"ItemCollectionSizeLimitExceeded"},{"Code":"SomethingNew"}]
            """#
        let message = "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]"
        let error = Self.map(400, Self.body(Self.ddb + "TransactionCanceledException", message, key: "Message", extra: reasons))
        #expect(error.code == .transactionCanceled)
        #expect(error.cancellationReasons == [
            .none,
            CancellationReason(code: .conditionFailed, item: ["pk": "user#1", "n": 2], message: "The conditional request failed"),
            CancellationReason(code: .conditionFailed, message: "The conditional request failed"),
            CancellationReason(code: .transactionConflict, message: "Transaction is ongoing for the item"),
            CancellationReason(code: .throttled), CancellationReason(code: .throttled), CancellationReason(code: .validation),
            CancellationReason(code: .itemTooLarge), CancellationReason(code: .validation),
        ])
        #expect(!error.isRetryable)
    }

    @Test func transactionCancelledOnlyByConflictsIsRetryable() {
        let reasons = #","CancellationReasons":[{"Code":"None"},{"Code":"TransactionConflict"}]"#
        let error = Self.map(400, Self.body(Self.ddb + "TransactionCanceledException", "Transaction cancelled", extra: reasons))
        #expect(error.cancellationReasons.map(\.code) == [.none, .transactionConflict])
        #expect(error.isRetryable)
    }

    @Test func readsReasonsFromTheMessageWhenTheBodyListsNone() {
        let message = "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, TransactionConflict]"
        let error = Self.map(400, Self.body(Self.ddb + "TransactionCanceledException", message))
        #expect(error.cancellationReasons.map(\.code) == [.none, .conditionFailed, .transactionConflict])
    }

    @Test func keepsSecretsOutOfEveryText() {
        // InvalidSignatureException quotes the canonical request, session token included.
        let message = #"The request signature we calculated does not match the signature you provided.\n\n"#
            + #"The Canonical String for this request should have been\n'POST\n/\n\nx-amz-security-token:SECRET-TOKEN\n'"#
        let raw = DynamoDBError(status: 400, body: Array(Self.body(Self.coral + "InvalidSignatureException", message).utf8))
        let error = raw.tableError()
        #expect(raw.message == nil)
        #expect(raw.description == "DynamoDB 400 InvalidSignatureException")
        #expect(error.message == "DynamoDB refused the credentials (InvalidSignatureException)")
        #expect(!"\(error) \(raw)".contains("SECRET"))
    }

    @Test func keepsOnlyTheFirstLineOfLongMessages() {
        let long = String(repeating: "x", count: 300)
        let raw = DynamoDBError(status: 400, body: Array(Self.body(Self.ddb + "ValidationException", "first\\nsecond").utf8))
        #expect(raw.message == "first")
        let longRaw = DynamoDBError(status: 400, body: Array(Self.body(Self.ddb + "ValidationException", long).utf8))
        #expect(longRaw.message == String(repeating: "x", count: 200) + "…")
    }
}
