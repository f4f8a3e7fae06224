import QuizStore
import Synchronization

/// The transaction tokens of one request (docs/idempotency.md, "Transaction tokens"): the request's own token,
/// random, which also holds its idempotency claim, and one transaction token per attempt,
/// `<request>-<n>`. The resilience layer sends an attempt again with the same token, so the store
/// answers a repeat of a commit that landed as done; a recomputed attempt gets the next token,
/// as its writes differ. The tokens of every attempt are kept, so the request can recognise its
/// own commit when it reads the session back.
package struct RequestTokens: Sendable {
    /// The request's token: 24 hex digits (a per-process random prefix and a counter).
    package let request: String
    /// The attempts' tokens, in the order they were issued.
    package private(set) var issued: [TransactionToken] = []

    /// Tokens for a request whose token is `request` (a new random one by default).
    package init(request: String = RequestTokens.newRequestToken()) {
        self.request = request
    }

    /// The token of the next attempt.
    package mutating func next() -> TransactionToken {
        let token = TransactionToken.attempt(issued.count + 1, of: request)
        issued.append(token)
        return token
    }

    /// Whether `token` is one of this request's attempts.
    package func issued(_ token: String?) -> Bool {
        guard let token else { return false }
        return issued.contains { $0.value == token }
    }

    /// A new request token: 24 hex digits, unique across processes and requests without a
    /// system call per request: 64 random bits drawn once per process, then a counter.
    package static func newRequestToken() -> String {
        let count = issuedRequests.wrappingAdd(1, ordering: .relaxed).oldValue
        let low = String(UInt32(truncatingIfNeeded: count), radix: 16)
        return processPrefix + String(repeating: "0", count: 8 - low.count) + low
    }

    /// 16 hex digits from the system's generator, drawn once per process.
    private static let processPrefix: String = {
        var generator = SystemRandomNumberGenerator()
        let bits = String(generator.next() as UInt64, radix: 16)
        return String(repeating: "0", count: 16 - bits.count) + bits
    }()

    private static let issuedRequests = Atomic<UInt64>(0)
}
