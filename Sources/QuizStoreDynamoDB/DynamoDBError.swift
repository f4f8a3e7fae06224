import QuizStore
import StrictJSON

/// An error answer of DynamoDB: the HTTP status, the exception name from the body's `__type`,
/// its message, and what DynamoDB returns with a failed condition
/// ([error handling](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html)).
///
/// ``tableError(table:)`` maps it to the table layer's ``TableError``, with this value as the
/// underlying error. Its text never holds credentials or item contents: the message is kept only
/// to its first line and 200 characters, and dropped for credential errors, whose text can quote
/// the canonical request with the session token in it.
public struct DynamoDBError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status of the answer.
    public var status: Int
    /// The exception name without its namespace (`ConditionalCheckFailedException`); empty when
    /// the body named none.
    public var type: String
    /// DynamoDB's message, shortened; `nil` when there was none or it may hold a secret.
    public var message: String?
    /// For `ConditionalCheckFailedException`, the item as it is, when the request asked for it
    /// with `ReturnValuesOnConditionCheckFailure: ALL_OLD`.
    public var item: Item?
    /// For `TransactionCanceledException`, the reasons, one per write.
    public var cancellationReasons: [CancellationReason]
    /// Why the body could not be read in full, when it could not.
    public var bodyProblem: String?

    /// Reads an error answer; never fails, as any status and body map to some error.
    public init(status: Int, body: some Collection<UInt8>) {
        self.status = status
        self.cancellationReasons = []
        let json: JSONValue
        do {
            json = try JSONParser.parse(body, options: DynamoDBJSON.parsing)
        } catch {
            self.type = ""
            self.bodyProblem = error.description
            return
        }
        // `__type` is "com.amazonaws.dynamodb.v20120810#Name" or, for errors of the AWS front
        // end, "com.amazon.coral.service#Name"; the name is what follows the last '#'.
        let fullType = json["__type"]?.stringValue ?? ""
        self.type = fullType.split(separator: "#").last.map(String.init) ?? ""
        let rawMessage = (json["message"] ?? json["Message"])?.stringValue
        self.message = Self.credentialErrors.contains(type) ? nil : rawMessage.map(Self.shorten)
        do {
            if let item = json["Item"] { self.item = try DynamoDBJSON.decodeItem(item) }
            if let reasons = json["CancellationReasons"] {
                self.cancellationReasons = try Self.decodeReasons(reasons)
            } else if type == "TransactionCanceledException", let rawMessage {
                self.cancellationReasons = Self.reasons(fromMessage: rawMessage)
            }
        } catch {
            self.bodyProblem = error.description
        }
    }

    public var description: String {
        "DynamoDB \(status) \(type.isEmpty ? "error" : type)" + (message.map { ": \($0)" } ?? "")
    }

    // MARK: - Mapping

    /// Errors of the credentials or the signature: none of them goes away on a retry.
    static let credentialErrors: Set<String> = [
        "UnrecognizedClientException", "InvalidSignatureException", "AccessDeniedException",
        "MissingAuthenticationToken", "MissingAuthenticationTokenException", "IncompleteSignatureException",
        "ExpiredTokenException", "InvalidClientTokenId", "SignatureDoesNotMatch",
    ]

    /// The table layer's error for this answer; `table` names the table a missing-table error is about.
    ///
    /// Credential errors map to `validation`, not `backendFailure`: the table layer has no code
    /// of its own for them, and `backendFailure` would be retried and counted by the circuit
    /// breaker, while a refused key stays refused until the configuration changes.
    public func tableError(table: String? = nil) -> TableError {
        var error = mapped(table: table)
        error.underlying = self
        return error
    }

    private func mapped(table: String?) -> TableError {
        let suffix = " (\(type))"
        switch type {
        case "ConditionalCheckFailedException" where bodyProblem == nil:
            return .conditionFailed(item)
        case "TransactionCanceledException" where bodyProblem == nil && !cancellationReasons.isEmpty:
            return .transactionCanceled(cancellationReasons)
        case "ConditionalCheckFailedException", "TransactionCanceledException":
            return TableError(.backendFailure, "DynamoDB answered with an unreadable \(type) body")
        case "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "LimitExceededException":
            return TableError(.throttled, "DynamoDB throttled the request" + suffix)
        case "ValidationException" where message?.contains("exceeded the maximum allowed size") == true:
            return TableError(.itemTooLarge, "item is over DynamoDB's 400 KB limit" + suffix)
        case "ItemCollectionSizeLimitExceededException":
            return TableError(.itemTooLarge, "item collection is over DynamoDB's 10 GB limit" + suffix)
        case "ResourceNotFoundException":
            return .validation((table.map { "table '\($0)' does not exist" } ?? "a table of the request does not exist") + suffix)
        case "TransactionConflictException", "TransactionInProgressException", "ReplicatedWriteConflictException":
            return TableError(.busy, "a concurrent transaction holds the item" + suffix)
        case "InternalServerError", "ServiceUnavailable":
            return TableError(.backendFailure, "DynamoDB failed" + suffix)
        case _ where Self.credentialErrors.contains(type):
            return .validation("DynamoDB refused the credentials" + suffix)
        case _ where status >= 500:
            return TableError(.backendFailure, "DynamoDB failed with status \(status)" + (type.isEmpty ? "" : suffix))
        case _ where status == 429:
            return TableError(.throttled, "DynamoDB throttled the request (status 429)")
        case _ where type.isEmpty:
            return .validation("DynamoDB refused the request with status \(status)")
        default:
            return .validation("DynamoDB refused the request" + (message.map { ": \($0)" } ?? "") + suffix)
        }
    }

    // MARK: - Cancellation reasons

    /// The reasons of `CancellationReasons`
    /// ([TransactWriteItems errors](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html#API_TransactWriteItems_Errors)).
    static func decodeReasons(_ json: JSONValue) throws(DynamoDBJSON.DecodingError) -> [CancellationReason] {
        guard let elements = json.arrayValue else {
            throw DynamoDBJSON.DecodingError("CancellationReasons must be an array")
        }
        var reasons: [CancellationReason] = []
        for element in elements {
            var item: Item?
            if let json = element["Item"] { item = try DynamoDBJSON.decodeItem(json) }
            let message = element["Message"]?.stringValue.map(shorten)
            reasons.append(CancellationReason(code: code(element["Code"]?.stringValue ?? "None"), item: item, message: message))
        }
        return reasons
    }

    /// The table layer's code for a cancellation code; an unknown code is taken as a refused
    /// write, which no retry fixes.
    static func code(_ code: String) -> CancellationReason.Code {
        if let known = CancellationReason.Code(rawValue: code) { return known }
        return code == "ProvisionedThroughputExceeded" ? .throttled : .validation
    }

    /// The reasons listed in a message such as "Transaction cancelled, please refer cancellation
    /// reasons for specific reasons [ConditionalCheckFailed, None]", for servers that send no
    /// `CancellationReasons`; empty when the message lists none.
    static func reasons(fromMessage message: String) -> [CancellationReason] {
        guard let open = message.lastIndex(of: "["), let close = message[open...].firstIndex(of: "]") else { return [] }
        let list = message[message.index(after: open)..<close]
        return list.split(separator: ",").map { CancellationReason(code: code($0.filter { !$0.isWhitespace })) }
    }

    private static func shorten(_ message: String) -> String {
        let firstLine = message.prefix { $0 != "\n" && $0 != "\r" }
        return firstLine.count > 200 ? String(firstLine.prefix(200)) + "…" : String(firstLine)
    }
}
