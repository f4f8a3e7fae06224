import QuizStore

/// One idempotency record as stored in the `idempotency` table, under the caller's partition
/// (`USER#<sub>`, sort key `KEY#<key>`), and the conditions every write of it carries
/// (docs/idempotency.md).
///
/// Attributes: `status` (`IN_PROGRESS` or `COMPLETED`), `token` (the holder: the request that
/// claimed it), `fingerprint` (the request's method, path and body, hashed at the edge),
/// `inProgressUntil` (epoch milliseconds: the holder's deadline), `ttl` (epoch seconds), and once
/// completed `statusCode`, `body` and `headers` (the response).
package struct IdempotencyRecord: Sendable, Hashable {
    /// Where the record stands.
    package enum Status: String, Sendable, Hashable {
        /// Claimed by `holder`, whose response is not stored yet.
        case inProgress = "IN_PROGRESS"
        /// Done: `response` answers every repeat.
        case completed = "COMPLETED"
    }

    package var status: Status
    /// The token of the request that claimed the key.
    package var holder: String
    package var fingerprint: String
    /// For a claim, the holder's deadline in epoch milliseconds; past it, anyone may claim the key.
    package var inProgressUntil: Int64
    /// For a completed record, the response.
    package var response: StoredResponse?

    package init(status: Status, holder: String, fingerprint: String, inProgressUntil: Int64 = 0, response: StoredResponse? = nil) {
        self.status = status
        self.holder = holder
        self.fingerprint = fingerprint
        self.inProgressUntil = inProgressUntil
        self.response = response
    }

    /// The record an item holds; `nil` for an item that is none (or is expired at `now`,
    /// epoch milliseconds, when given: TTL deletes lag, an expired record counts as gone).
    package init?(_ item: Item?, now: Int64? = nil) {
        guard let item, let status = item.string("status").flatMap(Status.init(rawValue:)), let holder = item.string("token"),
            let fingerprint = item.string("fingerprint")
        else { return nil }
        if let now, let expiry = item.int(QuizTables.ttlAttribute), expiry < now / 1000 { return nil }
        self.status = status
        self.holder = holder
        self.fingerprint = fingerprint
        inProgressUntil = item.int("inProgressUntil") ?? 0
        if status == .completed, let code = item.int("statusCode"), let body = item.string("body") {
            var headers: [String: String] = [:]
            if case .map(let entries)? = item["headers"] {
                for (name, value) in entries { if let text = value.stringValue { headers[name] = text } }
            }
            // Records written before headers were kept had only this one.
            if let retryAfter = item.string("retryAfter") { headers["retry-after"] = retryAfter }
            response = StoredResponse(statusCode: Int(code), body: body, headers: headers)
        }
    }

    /// The item of this record under `key`, expiring `ttlSeconds` after `now` (epoch milliseconds).
    package func item(key: Key, now: Int64, ttlSeconds: Int) -> Item {
        var item: Item = [
            "pk": .string(key.partition), "sk": .string(key.sort ?? ""), "status": .string(status.rawValue),
            "token": .string(holder), "fingerprint": .string(fingerprint),
            QuizTables.ttlAttribute: .int(now / 1000 + Int64(ttlSeconds)),
        ]
        if status == .inProgress { item["inProgressUntil"] = .int(inProgressUntil) }
        if let response {
            item["statusCode"] = .int(response.statusCode)
            item["body"] = .string(response.body)
            if !response.headers.isEmpty { item["headers"] = .map(response.headers.mapValues { .string($0) }) }
        }
        return item
    }

    /// Whether the holder's time is up at `now` (epoch milliseconds).
    package func isAbandoned(now: Int64) -> Bool {
        status == .inProgress && inProgressUntil < now
    }

    // MARK: - Conditions

    /// A claim may be written when the key is free: no record, an expired one, or a claim whose
    /// holder's deadline has passed (its invocation died).
    package static func free(now: Int64) -> Condition {
        .absentOrExpired(ttlAttribute: QuizTables.ttlAttribute, now: now / 1000)
            || (.equals("status", .string(Status.inProgress.rawValue)) && .compare("inProgressUntil", .lessThan, .int(now)))
    }

    /// Only the holder moves a record out of `IN_PROGRESS`, and only while it is: completing
    /// and releasing both carry this condition, so a late write of a request whose claim was
    /// taken over, or whose response is already stored, changes nothing.
    package static func held(by holder: String) -> Condition {
        .equals("token", .string(holder)) && .equals("status", .string(Status.inProgress.rawValue))
    }
}

/// A response as an idempotency record keeps it, to answer a repeat with.
package struct StoredResponse: Sendable, Hashable {
    /// The HTTP status.
    package var statusCode: Int
    /// The JSON body.
    package var body: String
    /// The headers a repeat must see again (`location`, `retry-after`), lower-case names.
    package var headers: [String: String]

    /// A response.
    package init(statusCode: Int, body: String, headers: [String: String] = [:]) {
        self.statusCode = statusCode
        self.body = body
        self.headers = headers
    }
}
