import Crypto
import FoundationEssentials
import QuizData
import QuizHTTP
import QuizStore

/// The edge's half of idempotency keys: reading the `Idempotency-Key` header, fingerprinting the
/// request, and running a POST under its key with `IdempotencyGuard` (docs/idempotency.md).
extension IdempotencyGuard {
    init(_ environment: QuizEnvironment) {
        self.init(store: environment.store, table: environment.tables.idempotency, ttlSeconds: environment.settings.idempotencyTTLSeconds)
    }

    static let header = "idempotency-key"

    /// The key a request carries, checked: 1 to 128 printable ASCII characters.
    static func key(of request: HTTPRequestEvent) throws(APIError) -> String? {
        guard let key = request.headers[header] else { return nil }
        guard (1...128).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .badRequest("Idempotency-Key must be 1 to 128 printable ASCII characters without spaces.")
        }
        return key
    }

    /// The request's fingerprint: method, path and body bytes, hashed. A retry sends the same bytes.
    static func fingerprint(of request: HTTPRequestEvent) -> String {
        var hasher = SHA256()
        hasher.update(data: Data("\(request.method.rawValue) \(request.path)\n".utf8))
        hasher.update(data: request.body)
        return hasher.finalize().map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    /// Runs a POST under its `Idempotency-Key`, if it has one. `body` gets the claim and must add
    /// `completion(of:response:now:)` to its own transaction when it writes, so the response is
    /// stored with the change it describes; it returns whether it did.
    ///
    /// A refusal (4xx) is stored too, so a retry gets the same answer; a failure that a retry
    /// might not meet (5xx, 429) gives the key back.
    func run(
        _ request: HTTPRequestEvent, userId: String, scope: RequestScope, inProgressMilliseconds: Int64,
        _ body: (Claim?) async throws -> (response: HTTPResponseEvent, completed: Bool)
    ) async throws -> HTTPResponseEvent {
        guard let key = try Self.key(of: request) else { return try await body(nil).response }
        let until = scope.deadline ?? (scope.now + inProgressMilliseconds)
        switch try await start(key: key, userId: userId, fingerprint: Self.fingerprint(of: request), now: scope.now, inProgressUntil: until) {
        case .replay(let stored):
            var headers: HTTPHeaders = ["content-type": "application/json", "idempotency-replayed": "true"]
            if let retryAfter = stored.retryAfter { headers["retry-after"] = retryAfter }
            return HTTPResponseEvent(statusCode: stored.statusCode, headers: headers, body: stored.body)
        case .proceed(let claim):
            do {
                let (response, completed) = try await body(claim)
                if !completed { await complete(claim, response: StoredResponse(response), now: scope.now) }
                return response
            } catch {
                let failure = APIError.answering(error)
                if failure.status < 500, failure.status != 429 {
                    await complete(claim, response: StoredResponse(failure.response(requestId: scope.requestId)), now: scope.now)
                } else {
                    await release(claim)
                }
                throw failure
            }
        }
    }
}

extension StoredResponse {
    /// What a record keeps of a response.
    init(_ response: HTTPResponseEvent) {
        self.init(statusCode: response.statusCode, body: response.body, retryAfter: response.headers["retry-after"])
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
