import SystemCrypto
import FoundationEssentials
import QuizData
import QuizHTTP
import QuizStore

/// How a POST's own work ended, for `IdempotencyGuard.run(_:…)`.
enum RequestOutcome {
    /// Its writes committed together with the idempotency completion holding this response.
    case committed(HTTPResponseEvent)
    /// It wrote nothing that needs the response; the response is stored on its own.
    case answered(HTTPResponseEvent)
    /// Its commit, which held the completion with this response, may or may not have landed.
    case uncertain(HTTPResponseEvent)

    /// How often an answer or a flashcard change is computed at most: again when what it was
    /// computed against moved under it (the session, the learner's pool, the question's memory —
    /// another session of the learner at the same moment — or a due hour it leaves holding only
    /// its question), or when a commit whose outcome was unknown turned out not to have landed.
    static let attemptLimit = 4
}

/// The edge's half of idempotency keys: reading the `Idempotency-Key` header, fingerprinting the
/// request, and running a POST under its key (docs/idempotency.md).
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
        return hasher.finalize().description
    }

    /// Runs a POST under its `Idempotency-Key`, if it has one. `body` gets the claim (`nil`
    /// without a key) and adds `completion(of:response:now:)` to its own transaction when it
    /// writes, so the response is stored with the change it describes.
    ///
    /// A refusal for the caller's own mistake (a 4xx) is stored too, so a retry gets the same
    /// answer; a failure that a retry might not meet (5xx, 429) gives the key back. `holder` is
    /// the request's token (`RequestTokens.request`).
    func run(
        _ request: HTTPRequestEvent, userId: String, scope: RequestScope, holder: String, inProgressMilliseconds: Int64,
        _ body: (Claim?) async throws -> RequestOutcome
    ) async throws -> HTTPResponseEvent {
        guard let key = try Self.key(of: request) else {
            switch try await body(nil) {
            case .committed(let response), .answered(let response): return response
            // Without a key the body resolves its own uncertainty; one that cannot says so.
            case .uncertain: throw APIError.storageUnavailable(retryAfterSeconds: 1)
            }
        }
        let until = scope.deadline ?? (scope.now + inProgressMilliseconds)
        var own: HTTPResponseEvent?
        var failure: (any Error)?
        let ending = await run(
            key: key, userId: userId, fingerprint: Self.fingerprint(of: request), holder: holder, now: scope.now, inProgressUntil: until
        ) { claim in
            do {
                switch try await body(claim) {
                case .committed(let response):
                    own = response
                    return .committed(StoredResponse(response))
                case .answered(let response):
                    own = response
                    return .answered(StoredResponse(response))
                case .uncertain(let response):
                    own = response
                    return .uncertain(StoredResponse(response))
                }
            } catch {
                let refusal = APIError.answering(error)
                guard refusal.status < 500, refusal.status != 429 else {
                    failure = error
                    return .failed
                }
                let response = refusal.response(requestId: scope.requestId)
                own = response
                return .answered(StoredResponse(response))
            }
        }
        switch ending {
        case .respond(let stored, let replayed):
            // Our own response goes out as it was made; one read from the record is rebuilt.
            if !replayed, let own, StoredResponse(own) == stored { return own }
            return HTTPResponseEvent(stored, replayed: replayed)
        case .refuse(let error):
            throw error
        case .rethrow:
            throw failure ?? DataError.defect("an idempotent request failed without an error")
        }
    }
}

extension StoredResponse {
    /// The headers a stored response keeps: what a repeat must see again.
    static let keptHeaders = ["location", "retry-after"]

    /// What a record keeps of a response.
    init(_ response: HTTPResponseEvent) {
        var headers: [String: String] = [:]
        for name in Self.keptHeaders { if let value = response.headers[name] { headers[name] = value } }
        self.init(statusCode: response.statusCode, body: response.body, headers: headers)
    }
}

extension HTTPResponseEvent {
    /// A response read from an idempotency record; `replayed` marks a repeat's answer.
    init(_ stored: StoredResponse, replayed: Bool) {
        var headers: HTTPHeaders = ["content-type": "application/json"]
        if replayed { headers["idempotency-replayed"] = "true" }
        for (name, value) in stored.headers { headers[name] = value }
        self.init(statusCode: stored.statusCode, headers: headers, body: stored.body)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

extension IdempotencyGuard {
    /// Commits one attempt at changing a session that exists: `plan` holds the session's writes
    /// at `token`, and gets the completion of `claim` with `response`. After a conflict or an
    /// unknown outcome, `lastWriter` reads back which attempt last wrote the session: one of
    /// ours (an earlier attempt whose reply was lost, or this one) answers with the response it
    /// stored (`responses`, by token); a failed completion leaves the outcome `uncertain`.
    /// `nil` when another request moved the session in between, or a condition of the caller's
    /// own writes failed (`conflicted` hears which parts, with the plan as committed): the caller
    /// reads again and makes a new attempt.
    func commitSessionChange(
        _ plan: WritePlan, token: TransactionToken, response: HTTPResponseEvent, claim: Claim?, now: Int64,
        data: LearnerData, responses: [String: HTTPResponseEvent],
        conflicted: (_ failed: Set<WritePlan.Part>, _ plan: WritePlan) -> Void = { _, _ in },
        lastWriter: () async throws -> String?
    ) async throws -> RequestOutcome? {
        var plan = plan
        if let claim { plan.add(completion(of: claim, response: StoredResponse(response), now: now), as: .idempotency) }
        let failed: Set<WritePlan.Part>
        switch try await data.commit(plan, token: token) {
        case .committed: return .committed(response)
        case .conflicted(let parts):
            conflicted(parts, plan)
            failed = parts
        case .uncertain: failed = []
        }
        if let ours = try await lastWriter(), let landed = responses[ours] { return .committed(landed) }
        if failed.contains(.idempotency) { return .uncertain(response) }
        return nil
    }
}
