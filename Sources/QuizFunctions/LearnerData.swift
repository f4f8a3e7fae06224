import QuizEngine
import QuizHTTP
import QuizStore

/// A user's sessions, pool and progress in the `users` table, and the transactions that change them.
struct LearnerData: Sendable {
    let store: any TableStore
    let tables: QuizTables
    let settings: QuizSettings

    init(_ environment: QuizEnvironment) {
        store = environment.store
        tables = environment.tables
        settings = environment.settings
    }

    /// A failure reading the pool, as the edge answers it: API and table errors as they are,
    /// anything else (damaged items) a logged 500.
    static func poolReadFailure(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError: error
        case let error as TableError: APIError(error)
        default: .internalFailure("reading the pool failed", underlying: error)
        }
    }

    // MARK: - Reading

    /// The caller's session; 404 when there is none, which is also what another user's session
    /// looks like: the key is built from the caller's own id, so it cannot even be addressed.
    func session(_ sessionId: String, of userId: String) async throws(APIError) -> QuizSession {
        try await storedSession(sessionId, of: userId).session
    }

    /// The caller's session with the copy of the question it serves, if its item keeps one.
    func storedSession(_ sessionId: String, of userId: String) async throws(APIError) -> SessionRecord.Stored {
        let item: Item?
        do {
            item = try await store.get(Keys.session(userId, sessionId), from: tables.users)
        } catch {
            throw APIError(error)
        }
        guard let item else { throw .sessionNotFound("No session \(sessionId).") }
        return try SessionRecord.stored(from: item)
    }

    /// What an answer to `answered` in `session` needs of the user's pool, read entry by entry:
    /// the answered question's entry, the summary and the two oldest entries in one query (the
    /// oldest one other than the answered question is the 20 % review), and the session's own two
    /// oldest entries when its set is done or about to be.
    ///
    /// The partial pool this builds answers `entry(for:)`, `oldestEntry(excluding:)` and
    /// `entries(ownedBy:)` exactly as the whole pool would, which is all `QuizSession.answer`
    /// asks of it; its own `penaltyIndicator` is not the pool's (use `summary`).
    func poolForAnswer(of userId: String, answering answered: QuestionRef, in session: QuizSession) async throws(APIError) -> PoolForAnswer {
        let partition = Keys.user(userId)
        var reads: [ReadRequest] = [
            .get(PoolRecord.entryKey(userId, answered), from: tables.users),
            .query(Self.ageIndexQuery(tables, partition: partition, oldest: 2)),
        ]
        // `remainingQuestions` shrinks by at most the answered question: only then can the set be done.
        if session.remainingQuestionCount <= 1 {
            reads.append(
                .query(Query(tables.users, partition: partition, sortKey: .beginsWith(PoolRecord.sessionIndexPrefix(session.id)), limit: 2)))
        }
        do {
            // One batch: SQLite reads it from one snapshot, DynamoDB in one round trip.
            let results = try await store.read(reads)
            let stored = try results[0].item.map { item throws(APIError) in try PoolRecord.stored(from: item) }
            let head = try Self.ageIndex(results[1].page, oldest: 2)
            var others = head.oldest
            if results.count > 2 {
                others += try results[2].page.items.map { item throws(APIError) in try PoolRecord.entry(from: item) }
            }
            // The entry item is the truth about the answered question; index copies read a moment later are not.
            var entries = others.filter { $0.ref != answered }
            if let stored { entries.append(stored.entry) }
            return PoolForAnswer(pool: WrongAnswerPool(entries: entries), answered: stored, summary: head.summary)
        } catch {
            throw Self.poolReadFailure(error)
        }
    }

    /// The part of the user's pool that `QuizSession.start` looks at: the oldest entry.
    func poolForStart(of userId: String) async throws(APIError) -> WrongAnswerPool {
        do {
            return WrongAnswerPool(entries: try await ageIndex(of: userId, oldest: 1).oldest)
        } catch {
            throw Self.poolReadFailure(error)
        }
    }

    /// Every entry of the user's pool, oldest first (for the progress report, not for answers).
    func wholePool(of userId: String) async throws(APIError) -> WrongAnswerPool {
        do {
            let items = try await store.queryAll(Query(tables.users, partition: Keys.user(userId), sortKey: .beginsWith(PoolRecord.entryPrefix)))
            return WrongAnswerPool(entries: try items.map { item throws(APIError) in try PoolRecord.entry(from: item) })
        } catch {
            throw Self.poolReadFailure(error)
        }
    }

    /// The pool's counters: its size and penalty indicator.
    func poolSummary(of userId: String) async throws(APIError) -> PoolSummary {
        do {
            return PoolSummary(summary: try await store.get(PoolRecord.summaryKey(userId), from: tables.users))
        } catch {
            throw APIError(error)
        }
    }

    /// The pool's summary and its `oldest` oldest entries: the head of the age index.
    private func ageIndex(of userId: String, oldest: Int) async throws -> (summary: PoolSummary, oldest: [PoolEntry]) {
        try Self.ageIndex(try await store.query(Self.ageIndexQuery(tables, partition: Keys.user(userId), oldest: oldest)), oldest: oldest)
    }

    /// The query for the head of the age index: the summary item sorts first, then the entries by age.
    private static func ageIndexQuery(_ tables: QuizTables, partition: String, oldest: Int) -> Query {
        Query(tables.users, partition: partition, sortKey: .beginsWith(PoolRecord.agePrefix), limit: oldest + 1)
    }

    /// The summary and the `oldest` oldest entries on a page of the age-index query.
    private static func ageIndex(_ page: QueryPage, oldest: Int) throws -> (summary: PoolSummary, oldest: [PoolEntry]) {
        var items = page.items[...]
        var summary = PoolSummary()
        if let first = items.first, first.string("sk") == PoolRecord.summarySortKey {
            summary = PoolSummary(summary: first)
            items = items.dropFirst()
        }
        return (summary, try items.prefix(oldest).map { item throws(APIError) in try PoolRecord.entry(from: item) })
    }

    /// The user's progress counters.
    func progress(of userId: String) async throws(APIError) -> Item? {
        do {
            return try await store.get(Keys.progress(userId), from: tables.users)
        } catch {
            throw APIError(error)
        }
    }

    // MARK: - Writing

    /// The writes that save a changed session: the session itself, conditional on the version it
    /// was read at (or on being new), the status counters, and the active-session index.
    /// `progress` adds an answer's counters to the same update of the progress item (one item may
    /// appear only once in a transaction).
    /// `serving` is the question the session serves, kept in its item (see `SessionRecord`).
    func sessionWrites(
        _ session: QuizSession, previous: QuizSession?, progress: [UpdateAction] = [], serving: Question? = nil
    ) throws(APIError) -> [TransactionWrite] {
        let item = try SessionRecord.item(session, serving: serving, retentionSeconds: settings.sessionRetentionSeconds)
        var writes: [TransactionWrite] = [
            .put(item, into: tables.users, if: previous.map(SessionRecord.unchanged) ?? .itemNotExists)
        ]
        if previous == nil {
            let indexKey = Keys.active(sessionId: session.id, startedAt: session.startedAt)
            let index: Item = [
                "pk": .string(indexKey.partition), "sk": .string(indexKey.sort!), "userId": .string(session.userId),
                "sessionId": .string(session.id),
            ]
            writes.append(.put(index, into: tables.users))
        } else if previous?.status.isActive == true, !session.status.isActive {
            writes.append(.delete(Keys.active(sessionId: session.id, startedAt: session.startedAt), from: tables.users))
        }
        if let counters = ProgressRecord.write(
            ProgressRecord.actions(from: previous?.status, to: session.status) + progress, userId: session.userId, table: tables.users)
        {
            writes.append(counters)
        }
        return writes
    }

    /// Why a session has no served question to act on: it ended, or its time ran out just now
    /// (then it is saved as `expired`, as an answer would have left it). `whenActive` is the
    /// refusal for an active session that serves nothing.
    func refusalForUnserved(_ previous: QuizSession, now: Int64, whenActive: APIError) async throws(APIError) -> APIError {
        var session = previous
        if session.status.isActive, session.sweep(now: now, idleLimitSeconds: .max) != nil {
            do {
                try await commit(try sessionWrites(session, previous: previous))
            } catch is Conflict {
                // Another request saved the session first; its state wins and the refusal stands.
            } catch {
                throw SessionFunction.Handler.conflictError(error)
            }
        }
        switch session.status {
        case .expired: return .sessionExpired()
        case .completed, .abandoned: return .sessionNotActive("The session is \(session.status.rawValue).")
        case .started, .inProgress: return whenActive
        }
    }

    /// Which conditional write of a transaction lost a race.
    enum Conflict: Error {
        case session, pool, claim
    }

    /// Commits writes whose first is the session write; a lost race is reported as a `Conflict`
    /// naming the write (`poolWrites`: the positions of the pool's writes), anything else as an
    /// `APIError`.
    func commit(_ writes: [TransactionWrite], poolWrites: Range<Int>? = nil, claimIndex: Int? = nil) async throws -> Void {
        do {
            try await store.transactWrite(writes)
        } catch where error.code == .transactionCanceled {
            let failed = error.cancellationReasons.enumerated().filter { $0.element.code == .conditionFailed }.map(\.offset)
            if failed.contains(0) { throw Conflict.session }
            if let poolWrites, failed.contains(where: poolWrites.contains) { throw Conflict.pool }
            if let claimIndex, failed.contains(claimIndex) { throw Conflict.claim }
            throw APIError(error)
        } catch {
            throw APIError(error)
        }
    }
}

/// The part of a user's pool that one answer reads (`LearnerData.poolForAnswer`).
struct PoolForAnswer {
    /// The entries the engine may look at, as a pool.
    var pool: WrongAnswerPool
    /// The answered question's entry as stored, when it is in the pool.
    var answered: PoolRecord.Stored?
    /// The counters before the answer.
    var summary: PoolSummary
}

// MARK: - Idempotent requests

extension IdempotencyGuard {
    init(_ environment: QuizEnvironment) {
        self.init(store: environment.store, table: environment.tables.idempotency, ttlSeconds: environment.settings.idempotencyTTLSeconds)
    }

    /// Runs a POST under its `Idempotency-Key`, if it has one. `body` gets the claim and must add
    /// `completion(of:response:now:)` to its own transaction when it writes, so the response is
    /// stored with the change it describes; it returns whether it did.
    ///
    /// A refusal (4xx) is stored too, so a retry gets the same answer; a failure that a retry
    /// might not meet (5xx, 429) gives the key back.
    func run(
        _ request: HTTPRequestEvent, userId: String, scope: RequestScope, inProgressMilliseconds: Int64,
        _ body: (Claim?) async throws(APIError) -> (response: HTTPResponseEvent, completed: Bool)
    ) async throws(APIError) -> HTTPResponseEvent {
        guard let key = try Self.key(of: request) else { return try await body(nil).response }
        let until = scope.deadline ?? (scope.now + inProgressMilliseconds)
        switch try await start(key: key, userId: userId, request: request, now: scope.now, inProgressUntil: until) {
        case .replay(let response):
            return response
        case .proceed(let claim):
            do {
                let (response, completed) = try await body(claim)
                if !completed { await complete(claim, response: response, now: scope.now) }
                return response
            } catch {
                if error.status < 500, error.status != 429 {
                    await complete(claim, response: error.response(requestId: scope.requestId), now: scope.now)
                } else {
                    await release(claim)
                }
                throw error
            }
        }
    }
}
