/// An error of the table layer. Errors compare by code; their text never holds item contents,
/// SQL arguments or credentials.
public struct TableError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// A write's condition did not hold; `currentItem` holds the item as it is.
        case conditionFailed
        /// A transaction was cancelled; `cancellationReasons` says which write failed and why.
        case transactionCanceled
        /// The request itself is wrong (bad key, bad cursor, too many writes, …).
        case validation
        /// An item is over the 400 KB limit.
        case itemTooLarge
        /// The backend is busy (SQLite's BUSY/LOCKED) or a transaction conflicted.
        case busy
        /// The backend asks us to slow down (DynamoDB throttling).
        case throttled
        /// The backend failed on its side (a 5xx, an I/O error).
        case backendFailure
        /// The request timed out.
        case timeout
        /// The backend could not be reached.
        case connectionFailure
        /// The circuit breaker is open: calls fail fast until `retryAfter` passes.
        case unavailable
    }

    /// What kind of failure this is.
    public var code: Code
    /// A human-readable explanation, free of item contents and secrets.
    public var message: String
    /// For `conditionFailed`, the item as it is now (`nil` when it does not exist).
    public var currentItem: Item?
    /// For `transactionCanceled`, one reason per write, in the order of the writes.
    public var cancellationReasons: [CancellationReason]
    /// For `unavailable` and `throttled`, how long to wait before trying again, in seconds.
    public var retryAfter: Double?
    /// The backend's own error, for logs.
    public var underlying: (any Error & Sendable)?

    /// An error.
    public init(
        _ code: Code, _ message: String, currentItem: Item? = nil, cancellationReasons: [CancellationReason] = [],
        retryAfter: Double? = nil, underlying: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.currentItem = currentItem
        self.cancellationReasons = cancellationReasons
        self.retryAfter = retryAfter
        self.underlying = underlying
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// Whether trying the same request again may succeed: busy, throttled, backend failures,
    /// timeouts and connection failures, and transactions cancelled only by conflicts or
    /// throttling. Never a failed condition or a validation error.
    public var isRetryable: Bool {
        switch code {
        case .busy, .throttled, .backendFailure, .timeout, .connectionFailure:
            return true
        case .transactionCanceled:
            let failed = cancellationReasons.filter { $0.code != .none }
            return !failed.isEmpty && failed.allSatisfy { $0.code == .transactionConflict || $0.code == .throttled }
        case .conditionFailed, .validation, .itemTooLarge, .unavailable:
            return false
        }
    }

    /// Whether the backend itself is in trouble (the failures a circuit breaker counts), as
    /// opposed to a request it answered, even with a refusal.
    public var isBackendFault: Bool {
        switch code {
        case .backendFailure, .timeout, .connectionFailure, .throttled: true
        case .busy, .conditionFailed, .transactionCanceled, .validation, .itemTooLarge, .unavailable: false
        }
    }

    // MARK: - Factories

    /// A failed condition, carrying the item as it is.
    public static func conditionFailed(_ currentItem: Item?) -> TableError {
        TableError(.conditionFailed, "the condition of the write does not hold", currentItem: currentItem)
    }

    /// A request the table layer refuses.
    public static func validation(_ message: String) -> TableError {
        TableError(.validation, message)
    }

    /// An item over the size limit.
    public static func itemTooLarge(size: Int) -> TableError {
        TableError(.itemTooLarge, "item of \(size) bytes is over the \(Item.maximumSize)-byte limit")
    }

    /// A cancelled transaction.
    public static func transactionCanceled(_ reasons: [CancellationReason]) -> TableError {
        let failed = reasons.enumerated().filter { $0.element.code != .none }
            .map { "write \($0.offset): \($0.element.code.rawValue)" }
        return TableError(.transactionCanceled, "transaction cancelled (\(failed.joined(separator: ", ")))", cancellationReasons: reasons)
    }
}

extension TableError: Equatable {
    /// Errors are equal when their codes are.
    public static func == (lhs: TableError, rhs: TableError) -> Bool { lhs.code == rhs.code }
}
