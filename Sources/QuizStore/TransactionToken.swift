/// The idempotency token of one transaction: DynamoDB's `ClientRequestToken`
/// ([TransactWriteItems](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html#DDB-TransactWriteItems-request-ClientRequestToken)).
///
/// A transaction sent again with the token of one that committed less than
/// ``TransactionToken/window`` seconds ago is answered as a success and changes nothing, so a
/// retry after a lost reply cannot apply twice; sent with the same token but other writes, it is
/// refused (`validation`). Every backend keeps that promise: DynamoDB itself, SQLite by storing the
/// token with the commit. A caller makes one token per transaction it means, keeps it across the
/// retries of that transaction, and makes a new one when it recomputes the writes.
public struct TransactionToken: Sendable, Hashable, CustomStringConvertible {
    /// The token: 1 to 36 printable ASCII characters, as DynamoDB requires.
    public let value: String

    /// How long a committed token answers repeats, in seconds: DynamoDB's ten minutes.
    public static let window: Int64 = 600

    /// The token, or a validation error when it is empty, longer than 36 characters or not
    /// printable ASCII.
    public init(_ value: String) throws(TableError) {
        guard (1...36).contains(value.utf8.count), value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .validation("a transaction token is 1 to 36 printable ASCII characters")
        }
        self.value = value
    }

    public var description: String { value }

    /// The token of attempt `attempt` of the request whose token is `request`: the request's
    /// printable ASCII characters, at most 24 of them, a dash and the attempt's number. Always
    /// a valid token (`request` falls back to `request` when it has no usable character).
    public static func attempt(_ attempt: Int, of request: String) -> TransactionToken {
        var prefix = String(decoding: request.utf8.filter { (0x21...0x7E).contains($0) }.prefix(24), as: UTF8.self)
        if prefix.isEmpty { prefix = "request" }
        return TransactionToken(checked: "\(prefix)-\(max(0, attempt))")
    }

    private init(checked value: String) {
        self.value = value
    }
}

extension TableError {
    /// Whether the request may have been applied although it failed: the reply was lost (a
    /// timeout, a dropped connection) or the backend failed on its side after receiving it. A
    /// write that fails this way must be read back, or retried with the same token, before
    /// anyone may say it did not happen.
    public var outcomeIsUnknown: Bool {
        switch code {
        case .timeout, .connectionFailure, .backendFailure: true
        case .conditionFailed, .transactionCanceled, .validation, .itemTooLarge, .busy, .throttled, .unavailable: false
        }
    }
}
