import SystemCrypto
import FoundationEssentials
import QuizHTTP
import QuizStore

/// Idempotency keys as Powertools for AWS Lambda implements them
/// ([idempotency](https://docs.powertools.aws.dev/lambda/python/latest/utilities/idempotency/)):
/// the first request with a key records `IN_PROGRESS` with a conditional put; its response is
/// stored with the rest of its writes; a repeat gets the stored response, a repeat with another
/// body gets 422, and a repeat while the first still runs gets 409. Records expire after 24 h.
///
/// Records live under the caller's own partition, so two users' keys can never meet.
struct IdempotencyGuard: Sendable {
    let store: any TableStore
    let table: TableSchema
    let ttlSeconds: Int

    /// A claimed key: what the request's final write must say to complete it.
    struct Claim: Sendable {
        let key: Key
        let token: String
        let fingerprint: String
    }

    enum Start: Sendable {
        /// Go on, and complete the claim with the response.
        case proceed(Claim)
        /// The request was already handled: answer with this.
        case replay(HTTPResponseEvent)
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

    /// Claims the key, or says what to answer instead.
    func start(
        key: String, userId: String, request: HTTPRequestEvent, now: Int64, inProgressUntil: Int64
    ) async throws(APIError) -> Start {
        let itemKey = Keys.idempotency(userId, key)
        let fingerprint = Self.fingerprint(of: request)
        let token = UInt64.random(in: .min ... .max).description
        let record: Item = [
            "pk": .string(itemKey.partition), "sk": .string(itemKey.sort!), "status": "IN_PROGRESS",
            "fingerprint": .string(fingerprint), "token": .string(token), "inProgressUntil": .int(inProgressUntil),
            QuizTables.ttlAttribute: .int(now / 1000 + Int64(ttlSeconds)),
        ]
        // Free when absent, expired, or left IN_PROGRESS by an invocation that died (its time is up).
        let free: Condition = .absentOrExpired(ttlAttribute: QuizTables.ttlAttribute, now: now / 1000)
            || (.equals("status", "IN_PROGRESS") && .compare("inProgressUntil", .lessThan, .int(now)))
        do {
            try await store.put(record, into: table, if: free)
            return .proceed(Claim(key: itemKey, token: token, fingerprint: fingerprint))
        } catch where error.code == .conditionFailed {
            guard let existing = error.currentItem else { throw .requestInProgress() }
            guard existing.string("fingerprint") == fingerprint else { throw .idempotencyKeyMismatch() }
            guard existing.string("status") == "COMPLETED", let status = existing.int("statusCode"),
                let body = existing.string("body")
            else { throw .requestInProgress() }
            var headers: HTTPHeaders = ["content-type": "application/json", "idempotency-replayed": "true"]
            if let retryAfter = existing.string("retryAfter") { headers["retry-after"] = retryAfter }
            return .replay(HTTPResponseEvent(statusCode: Int(status), headers: headers, body: body))
        } catch {
            throw APIError(error)
        }
    }

    /// The write that completes a claim with its response, for the request's own transaction:
    /// it only succeeds while the claim is still ours.
    func completion(of claim: Claim, response: HTTPResponseEvent, now: Int64) -> TransactionWrite {
        var record: Item = [
            "pk": .string(claim.key.partition), "sk": .string(claim.key.sort!), "status": "COMPLETED",
            "fingerprint": .string(claim.fingerprint), "token": .string(claim.token),
            "statusCode": .int(response.statusCode), "body": .string(response.body),
            QuizTables.ttlAttribute: .int(now / 1000 + Int64(ttlSeconds)),
        ]
        if let retryAfter = response.headers["retry-after"] { record["retryAfter"] = .string(retryAfter) }
        return .put(record, into: table, if: .equals("token", .string(claim.token)))
    }

    /// Stores a response on its own, for requests that wrote nothing else (a refused answer).
    func complete(_ claim: Claim, response: HTTPResponseEvent, now: Int64) async {
        // If this fails the record stays IN_PROGRESS until it times out, and the retry runs again:
        // safe, because the request wrote nothing.
        try? await store.transactWrite([completion(of: claim, response: response, now: now)])
    }

    /// Gives the key back after a failure that a retry might not meet (storage down, a bug), so a retry runs again.
    func release(_ claim: Claim) async {
        _ = try? await store.delete(claim.key, from: table, if: .equals("token", .string(claim.token)))
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
