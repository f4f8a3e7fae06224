import QuizEngine
import QuizStore

/// A user's sessions, pool and progress in the `users` table, and the transactions that change them.
package struct LearnerData: Sendable {
    package let store: any TableStore
    package let tables: QuizTables
    /// How long an ended session stays readable before its TTL removes it, in seconds.
    package let sessionRetentionSeconds: Int

    /// The learners' data in `tables`, through `store`.
    package init(store: any TableStore, tables: QuizTables, sessionRetentionSeconds: Int) {
        self.store = store
        self.tables = tables
        self.sessionRetentionSeconds = sessionRetentionSeconds
    }

    /// A failure reading the pool in the data layer's terms: table errors as storage failures,
    /// data errors as they are, anything else a damaged item.
    static func poolReadFailure(_ error: any Error) -> DataError {
        switch error {
        case let error as DataError: error
        case let error as TableError: .storage(error)
        default: .damaged("pool entry", underlying: error)
        }
    }

    // MARK: - Reading

    /// The caller's session; 404 when there is none, which is also what another user's session
    /// looks like: the key is built from the caller's own id, so it cannot even be addressed.
    package func session(_ sessionId: String, of userId: String) async throws(DataError) -> QuizSession {
        try await storedSession(sessionId, of: userId).session
    }

    /// The caller's session with the copy of the question it serves, if its item keeps one.
    package func storedSession(_ sessionId: String, of userId: String) async throws(DataError) -> SessionRecord.Stored {
        let item: Item?
        do {
            item = try await store.get(Keys.session(userId, sessionId), from: tables.users)
        } catch {
            throw .storage(error)
        }
        guard let item else { throw .sessionNotFound(sessionId) }
        return try SessionRecord.stored(from: item)
    }

    /// What an answer to `answered` in `session` needs of the user's pool, read entry by entry
    /// (and, in the same batch, the question's memory and the learner's settings):
    /// the answered question's entry, the summary and the two oldest entries in one query (the
    /// oldest one other than the answered question is the 20 % review), and the session's own two
    /// oldest entries when its set is done or about to be.
    ///
    /// The partial pool this builds answers `entry(for:)`, `oldestEntry(excluding:)` and
    /// `entries(ownedBy:)` exactly as the whole pool would, which is all `QuizSession.answer`
    /// asks of it; its own `penaltyIndicator` is not the pool's (use `summary`).
    package func poolForAnswer(of userId: String, answering answered: QuestionRef, in session: QuizSession) async throws(DataError) -> PoolForAnswer {
        let partition = Keys.user(userId)
        var reads: [ReadRequest] = [
            .get(PoolRecord.entryKey(userId, answered), from: tables.users),
            .query(Self.ageIndexQuery(tables, partition: partition, oldest: 2)),
        ]
        // `remainingQuestions` shrinks by at most the answered question: only then can the set be done.
        // The answered question's memory and the learner's settings: what its review needs.
        reads += memoryReadRequests(of: userId, question: answered)
        if session.remainingQuestionCount <= 1 {
            reads.append(
                .query(Query(tables.users, partition: partition, sortKey: .beginsWith(PoolRecord.sessionIndexPrefix(session.id)), limit: 2)))
        }
        do {
            // One batch: SQLite reads it from one snapshot, DynamoDB in one round trip.
            let results = try await store.read(reads)
            // One result per request, or the store broke its contract: never index past what came back.
            guard results.count == reads.count else {
                throw TableError(.backendFailure, "a read batch of \(reads.count) answered \(results.count) results")
            }
            let stored = try results[0].item.map { item throws(DataError) in try PoolRecord.stored(from: item) }
            let head = try Self.ageIndex(results[1].page, oldest: 2)
            let memory = try memoryRead(from: results[2..<4], of: answered)
            var others = head.oldest
            if results.count > 4 {
                others += try results[4].page.items.map { item throws(DataError) in try PoolRecord.entry(from: item) }
            }
            // The entry item is the truth about the answered question; index copies read a moment later are not.
            var entries = others.filter { $0.ref != answered }
            if let stored { entries.append(stored.entry) }
            return PoolForAnswer(pool: WrongAnswerPool(entries: entries), answered: stored, summary: head.summary, memory: memory)
        } catch {
            throw Self.poolReadFailure(error)
        }
    }

    /// The part of the user's pool that `QuizSession.start` looks at: the oldest entry.
    package func poolForStart(of userId: String) async throws(DataError) -> WrongAnswerPool {
        do {
            return WrongAnswerPool(entries: try await ageIndex(of: userId, oldest: 1).oldest)
        } catch {
            throw Self.poolReadFailure(error)
        }
    }

    /// Every entry of the user's pool, oldest first (for the progress report, not for answers).
    package func wholePool(of userId: String) async throws(DataError) -> WrongAnswerPool {
        do {
            let items = try await store.queryAll(Query(tables.users, partition: Keys.user(userId), sortKey: .beginsWith(PoolRecord.entryPrefix)))
            return WrongAnswerPool(entries: try items.map { item throws(DataError) in try PoolRecord.entry(from: item) })
        } catch {
            throw Self.poolReadFailure(error)
        }
    }

    /// The pool's counters: its size and penalty indicator.
    package func poolSummary(of userId: String) async throws(DataError) -> PoolSummary {
        do {
            return PoolSummary(summary: try await store.get(PoolRecord.summaryKey(userId), from: tables.users))
        } catch {
            throw .storage(error)
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
        return (summary, try items.prefix(oldest).map { item throws(DataError) in try PoolRecord.entry(from: item) })
    }

    /// The user's progress counters.
    package func progress(of userId: String) async throws(DataError) -> Item? {
        do {
            return try await store.get(Keys.progress(userId), from: tables.users)
        } catch {
            throw .storage(error)
        }
    }

    /// The user's per-category counter items (`ProgressRecord`), in category order: one query,
    /// paginated, over as many small items as the user has categories.
    package func categoryProgress(of userId: String) async throws(DataError) -> [Item] {
        do {
            return try await store.queryAll(
                Query(tables.users, partition: Keys.user(userId), sortKey: .beginsWith(ProgressRecord.categoryItemPrefix)))
        } catch {
            throw .storage(error)
        }
    }
}

/// The part of a user's pool that one answer reads (`LearnerData.poolForAnswer`).
package struct PoolForAnswer: Sendable {
    /// The entries the engine may look at, as a pool.
    package var pool: WrongAnswerPool
    /// The answered question's entry as stored, when it is in the pool.
    package var answered: PoolRecord.Stored?
    /// The counters before the answer.
    package var summary: PoolSummary
    /// The answered question's memory and the learner's settings, for its review.
    package var memory: MemoryRead
}
