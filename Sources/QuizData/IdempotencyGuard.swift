import QuizStore

/// Idempotency keys as Powertools for AWS Lambda implements them
/// ([idempotency](https://docs.powertools.aws.dev/lambda/python/latest/utilities/idempotency/)),
/// made to hold when the store fails halfway (docs/idempotency.md): the first request with a key
/// claims it (`IN_PROGRESS`, with the request as holder, until its deadline); its response is
/// stored in the same transaction as its writes; a repeat gets the stored response, a repeat with
/// another body a mismatch, a repeat while the first still runs an in-progress refusal. Only the
/// holder moves its record out of `IN_PROGRESS`. Records expire after 24 h.
///
/// This type performs what ``IdempotencyLifecycle`` decides. Records live under the caller's own
/// partition, so two users' keys can never meet. The request's fingerprint is computed at the
/// edge, which knows what a request is.
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

    /// A claimed key: what the request's own transaction must say to complete it.
    package struct Claim: Sendable {
        /// The record's key.
        package let key: Key
        /// The request's token, written as the record's holder.
        package let holder: String
        package let fingerprint: String
    }

    /// Runs `request` under the key, or answers without running it (a replay, a mismatch, a
    /// request in progress). `holder` is the request's token; `inProgressUntil` its deadline in
    /// epoch milliseconds, past which another request may take the key over.
    package func run(
        key: String, userId: String, fingerprint: String, holder: String, now: Int64, inProgressUntil: Int64,
        _ request: (Claim) async -> IdempotencyLifecycle.RequestOutcome
    ) async -> IdempotencyLifecycle.Ending {
        let claim = Claim(key: Keys.idempotency(userId, key), holder: holder, fingerprint: fingerprint)
        var lifecycle = IdempotencyLifecycle(holder: holder, fingerprint: fingerprint)
        var action = lifecycle.begin()
        // The lifecycle ends in a handful of steps; the bound only guards against a defect.
        for _ in 0..<32 {
            switch action {
            case .claim:
                let record = IdempotencyRecord(status: .inProgress, holder: holder, fingerprint: fingerprint, inProgressUntil: inProgressUntil)
                do {
                    try await store.put(record.item(key: claim.key, now: now, ttlSeconds: ttlSeconds), into: table, if: IdempotencyRecord.free(now: now))
                    action = lifecycle.claimed()
                } catch where error.code == .conditionFailed {
                    action = lifecycle.claimRefused(by: IdempotencyRecord(error.currentItem), now: now)
                } catch {
                    action = lifecycle.writeFailed(error)
                }
            case .readRecord:
                do {
                    let item = try await store.get(claim.key, from: table)
                    action = lifecycle.recordRead(IdempotencyRecord(item, now: now), now: now)
                } catch {
                    action = lifecycle.readFailed(error)
                }
            case .run:
                action = lifecycle.requestEnded(await request(claim))
            case .store(let response):
                let write = completion(of: claim, response: response, now: now)
                do {
                    guard case .put(let item, _, let condition) = write else { return .refuse(.defect("a completion is a put")) }
                    try await store.put(item, into: table, if: condition)
                    action = lifecycle.stored()
                } catch where error.code == .conditionFailed {
                    action = lifecycle.storeRefused(by: IdempotencyRecord(error.currentItem), now: now)
                } catch {
                    action = lifecycle.writeFailed(error)
                }
            case .release:
                _ = try? await store.delete(claim.key, from: table, if: IdempotencyRecord.held(by: holder))
                action = lifecycle.released()
            case .finish(let ending):
                return ending
            }
        }
        return .refuse(.defect("idempotency lifecycle did not end"))
    }

    /// The write that completes a claim with its response, for the request's own transaction:
    /// it only succeeds while the claim is still ours and in progress.
    package func completion(of claim: Claim, response: StoredResponse, now: Int64) -> TransactionWrite {
        let record = IdempotencyRecord(status: .completed, holder: claim.holder, fingerprint: claim.fingerprint, response: response)
        return .put(record.item(key: claim.key, now: now, ttlSeconds: ttlSeconds), into: table, if: IdempotencyRecord.held(by: claim.holder))
    }
}
