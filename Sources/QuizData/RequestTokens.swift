import QuizStore

/// The transaction tokens of one request (docs/idempotency.md, "Tokens"): the request's own token,
/// random, which also holds its idempotency claim, and one transaction token per attempt,
/// `<request>-<n>`. The resilience layer sends an attempt again with the same token, so the store
/// answers a repeat of a commit that landed as done; a recomputed attempt gets the next token,
/// as its writes differ. The tokens of every attempt are kept, so the request can recognise its
/// own commit when it reads the session back.
package struct RequestTokens: Sendable {
    /// The request's token: 24 hex digits (96 random bits).
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

    /// A new request token: 96 bits from the system's generator, as 24 lowercase hex digits.
    package static func newRequestToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = String(generator.next() as UInt64, radix: 16)
        let low = String(generator.next() as UInt32, radix: 16)
        return String(repeating: "0", count: 16 - high.count) + high + String(repeating: "0", count: 8 - low.count) + low
    }
}
