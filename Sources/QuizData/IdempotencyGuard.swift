import QuizStore

/// Idempotency keys as Powertools for AWS Lambda implements them
/// ([idempotency](https://docs.powertools.aws.dev/lambda/python/latest/utilities/idempotency/)):
/// the first request with a key records `IN_PROGRESS` with a conditional put; its response is
/// stored with the rest of its writes; a repeat gets the stored response, a repeat with another
/// request gets a mismatch, and a repeat while the first still runs finds it in progress. Records
/// expire after 24 h.
///
/// Records live under the caller's own partition, so two users' keys can never meet. The request's
/// fingerprint is computed at the edge, which knows what a request is.
package struct IdempotencyGuard: Sendable {
    package let store: any TableStore
    package let table: TableSchema
    package let ttlSeconds: Int

    /// The guard over the records of `table`.
    package init(store: any TableStore, table: TableSchema, ttlSeconds: Int) {
        self.store = store
        self.table = table
        self.ttlSeconds = ttlSeconds
    }

    /// A claimed key: what the request's final write must say to complete it.
    package struct Claim: Sendable {
        package let key: Key
        package let token: String
        package let fingerprint: String
    }

    /// What to do with a request that carries a key.
    package enum Start: Sendable {
        /// Go on, and complete the claim with the response.
        case proceed(Claim)
        /// The request was already handled: answer with this.
        case replay(StoredResponse)
    }

    /// Claims the key, or says what to answer instead.
    package func start(
        key: String, userId: String, fingerprint: String, now: Int64, inProgressUntil: Int64
    ) async throws(DataError) -> Start {
        let itemKey = Keys.idempotency(userId, key)
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
            guard existing.string("fingerprint") == fingerprint else { throw .idempotencyKeyMismatch }
            guard existing.string("status") == "COMPLETED", let status = existing.int("statusCode"),
                let body = existing.string("body")
            else { throw .requestInProgress() }
            return .replay(StoredResponse(statusCode: Int(status), body: body, retryAfter: existing.string("retryAfter")))
        } catch {
            throw .storage(error)
        }
    }

    /// The write that completes a claim with its response, for the request's own transaction:
    /// it only succeeds while the claim is still ours.
    package func completion(of claim: Claim, response: StoredResponse, now: Int64) -> TransactionWrite {
        var record: Item = [
            "pk": .string(claim.key.partition), "sk": .string(claim.key.sort!), "status": "COMPLETED",
            "fingerprint": .string(claim.fingerprint), "token": .string(claim.token),
            "statusCode": .int(response.statusCode), "body": .string(response.body),
            QuizTables.ttlAttribute: .int(now / 1000 + Int64(ttlSeconds)),
        ]
        if let retryAfter = response.retryAfter { record["retryAfter"] = .string(retryAfter) }
        return .put(record, into: table, if: .equals("token", .string(claim.token)))
    }

    /// Stores a response on its own, for requests that wrote nothing else (a refused answer).
    package func complete(_ claim: Claim, response: StoredResponse, now: Int64) async {
        // If this fails the record stays IN_PROGRESS until it times out, and the retry runs again:
        // safe, because the request wrote nothing.
        try? await store.transactWrite([completion(of: claim, response: response, now: now)])
    }

    /// Gives the key back after a failure that a retry might not meet (storage down, a bug), so a retry runs again.
    package func release(_ claim: Claim) async {
        _ = try? await store.delete(claim.key, from: table, if: .equals("token", .string(claim.token)))
    }
}

/// A response as an idempotency record keeps it, to answer a repeat with.
package struct StoredResponse: Sendable, Hashable {
    /// The HTTP status.
    package var statusCode: Int
    /// The JSON body.
    package var body: String
    /// The `Retry-After` header, when the response had one.
    package var retryAfter: String?

    /// A response.
    package init(statusCode: Int, body: String, retryAfter: String? = nil) {
        self.statusCode = statusCode
        self.body = body
        self.retryAfter = retryAfter
    }
}
