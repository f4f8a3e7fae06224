import QuizEngine
import QuizStore

/// The maintenance sweep of active sessions (docs/data-layer.md, "Maintenance"): sessions past
/// their time limit become `expired`, sessions idle too long `abandoned`, index items of ended
/// sessions go.
///
/// It scales and never stalls:
/// - **Per item.** Each session is handled on its own; one that cannot be read or saved is
///   reported with its key and skipped, and the sweep goes on.
/// - **Within a budget.** A run stops once its time is up (after the page in hand), leaving a
///   cursor in the table — the shard and the position in it — where the next run resumes.
/// - **Round-robin.** The 16 shards of the active-session index are visited in turn, each run
///   going on from the last one's shard, so every shard is reached however large the others.
/// - **No scans.** Only the index is queried, a page at a time; expired items are deleted here
///   only on a backend that does not delete them itself (DynamoDB's TTL does).
package struct SessionSweep: Sendable {
    /// What one run did.
    package struct Summary: Sendable, Hashable {
        package var sessionsScanned = 0
        package var sessionsExpired = 0
        package var sessionsAbandoned = 0
        /// Index items of sessions that had ended or gone, removed.
        package var staleIndexItemsRemoved = 0
        /// Items that could not be read or saved, reported and skipped.
        package var itemsSkipped = 0
        /// Shards the run finished.
        package var shardsCompleted = 0
        /// Whether the run stopped because its time was up, leaving work for the next.
        package var stoppedByBudget = false
        /// Where the next run starts: a shard, and whether it resumes inside it.
        package var nextShard = 0
        package var resumesInsideShard = false

        package init() {}
    }

    /// Where a run stopped.
    package struct Position: Sendable, Hashable {
        package var shard: Int
        /// The cursor within the shard, `nil` at its start.
        package var cursor: Cursor?
    }

    package let data: LearnerData
    /// How long a session may sit idle before it is abandoned.
    package let abandonAfterSeconds: Int
    /// Index items read per query.
    package let pageSize: Int

    package init(data: LearnerData, abandonAfterSeconds: Int, pageSize: Int = 100) {
        self.data = data
        self.abandonAfterSeconds = abandonAfterSeconds
        self.pageSize = pageSize
    }

    /// One run at `now` (epoch milliseconds) that stops once `budget` has passed on `clock`.
    /// `report` hears of every item skipped, with its key and why. Throws only when the index
    /// itself cannot be read; the position reached so far is kept.
    package func run(
        now: Int64, budget: Duration, clock: ContinuousClock = ContinuousClock(), report: (Key, String) -> Void
    ) async throws(DataError) -> Summary {
        let started = clock.now
        var summary = Summary()
        var position = try await loadPosition()
        let users = data.tables.users
        // Sessions started in the last 30 s cannot be late or idle yet (30 s is the shortest limit).
        let cutoff = Keys.paddedTime(now - 30_000)
        while summary.shardsCompleted < Keys.activeShards {
            let query = Query(
                users, partition: Keys.activePartition(position.shard), sortKey: .lessThan(cutoff), limit: pageSize, cursor: position.cursor)
            let page: QueryPage
            do {
                page = try await data.store.query(query)
            } catch where error.code == .validation && position.cursor != nil {
                // A cursor that no longer fits (a damaged cursor item): start the shard again.
                report(Keys.sweepCursor, "the sweep's cursor is unusable (\(error.message)); shard \(position.shard) starts again")
                position.cursor = nil
                continue
            } catch {
                throw .storage(error)
            }
            for index in page.items {
                await sweep(index, now: now, into: &summary, report: report)
            }
            if let next = page.nextCursor {
                position.cursor = next
            } else {
                position = Position(shard: (position.shard + 1) % Keys.activeShards, cursor: nil)
                summary.shardsCompleted += 1
            }
            try await save(position)
            if clock.now - started >= budget, summary.shardsCompleted < Keys.activeShards {
                summary.stoppedByBudget = true
                break
            }
        }
        summary.nextShard = position.shard
        summary.resumesInsideShard = position.cursor != nil
        return summary
    }

    /// One index item: its session expired, abandoned or left alone; a stale item removed; a
    /// bad one reported and skipped.
    private func sweep(_ index: Item, now: Int64, into summary: inout Summary, report: (Key, String) -> Void) async {
        let users = data.tables.users
        let indexKey = Key(index.string(users.partitionKey) ?? "?", index.string(users.sortKey ?? "") ?? "?")
        summary.sessionsScanned += 1
        guard let userId = index.string("userId"), let sessionId = index.string("sessionId"), !userId.isEmpty, !sessionId.isEmpty else {
            summary.itemsSkipped += 1
            return report(indexKey, "active-session index item without userId or sessionId")
        }
        let key = Keys.session(userId, sessionId)
        do {
            guard let item = try await data.store.get(key, from: users) else {
                // The session is gone (its TTL passed): the index item is stale.
                try await data.store.delete(indexKey, from: users)
                summary.staleIndexItemsRemoved += 1
                return
            }
            // Quiz, review and flashcard sessions share the lifecycle; only their items differ.
            var tokens = RequestTokens()
            let token = tokens.next()
            let plan: WritePlan
            let status: SessionStatus
            switch try LearnerSession(item: item) {
            case .quiz(let stored):
                let previous = stored.session
                guard previous.status.isActive else { return try await removeStale(indexKey, into: &summary) }
                var session = previous
                guard let swept = session.sweep(now: now, idleLimitSeconds: abandonAfterSeconds) else { return }
                (plan, status) = (data.sessionPlan(session, previous: previous, token: token), swept)
            case .flashcards(let stored):
                let previous = stored.session
                guard previous.status.isActive else { return try await removeStale(indexKey, into: &summary) }
                var session = previous
                guard let swept = session.sweep(now: now, idleLimitSeconds: abandonAfterSeconds) else { return }
                (plan, status) = (data.flashcardPlan(session, previous: previous, token: token), swept)
            }
            switch try await data.commit(plan, token: token) {
            case .committed:
                if status == .abandoned { summary.sessionsAbandoned += 1 } else { summary.sessionsExpired += 1 }
            case .conflicted, .uncertain:
                // A learner's request got in first, or the outcome is unknown: the next run looks again.
                break
            }
        } catch {
            summary.itemsSkipped += 1
            report(key, "session could not be swept: \(error)")
        }
    }

    /// Removes an index item whose session has ended.
    private func removeStale(_ indexKey: Key, into summary: inout Summary) async throws {
        try await data.store.delete(indexKey, from: data.tables.users)
        summary.staleIndexItemsRemoved += 1
    }

    // MARK: - The cursor

    /// Where the last run stopped; the first shard's start when no run has kept a place, or the
    /// kept one cannot be read.
    private func loadPosition() async throws(DataError) -> Position {
        let item: Item?
        do {
            item = try await data.store.get(Keys.sweepCursor, from: data.tables.users)
        } catch {
            throw .storage(error)
        }
        guard let item, let shard = item.int("shard"), (0..<Int64(Keys.activeShards)).contains(shard) else { return Position(shard: 0, cursor: nil) }
        return Position(shard: Int(shard), cursor: item.string("cursor").map(Cursor.init(token:)))
    }

    private func save(_ position: Position) async throws(DataError) {
        var item: Item = [
            "pk": .string(Keys.sweepCursor.partition), "sk": .string(Keys.sweepCursor.sort ?? ""), "shard": .int(Int64(position.shard)),
        ]
        if let cursor = position.cursor { item["cursor"] = .string(cursor.token) }
        do {
            try await data.store.put(item, into: data.tables.users)
        } catch {
            throw .storage(error)
        }
    }
}
