import QuizEngine
import QuizStore

/// What a review of one question needs to have read: the question's memory as stored (`nil`:
/// never reviewed) and the learner's settings (the desired retention every schedule uses).
package struct MemoryRead: Sendable, Hashable {
    /// The question.
    package var ref: QuestionRef
    /// Its memory item as read, if it has one.
    package var stored: MemoryRecord.Stored?
    /// The learner's settings as read.
    package var settings: LearnerSettings

    package init(ref: QuestionRef, stored: MemoryRecord.Stored?, settings: LearnerSettings) {
        self.ref = ref
        self.stored = stored
        self.settings = settings
    }

    /// The memory as it stands before the review.
    package var state: MemoryState { stored?.state ?? .new }
}

extension LearnerData {
    // MARK: - Reading for a review

    /// The reads a review of `ref` needs (the memory item, the settings), for a caller that
    /// batches them with its own; `memoryRead(from:of:)` decodes their results.
    package func memoryReadRequests(of userId: String, question ref: QuestionRef) -> [ReadRequest] {
        [.get(MemoryRecord.key(userId, ref), from: tables.users), .get(MemoryRecord.settingsKey(userId), from: tables.users)]
    }

    /// The results of `memoryReadRequests(of:question:)`, in their order, as a `MemoryRead`.
    package func memoryRead(from results: ArraySlice<ReadResult>, of ref: QuestionRef) throws(DataError) -> MemoryRead {
        guard results.count == 2 else { throw .defect("a memory read expects 2 results, got \(results.count)") }
        let stored = try results[results.startIndex].item.map { item throws(DataError) in try MemoryRecord.stored(from: item) }
        let settings = try MemoryRecord.settings(from: results[results.startIndex + 1].item)
        return MemoryRead(ref: ref, stored: stored, settings: settings)
    }

    /// What a review of `ref` by `userId` needs, read in one batch (one snapshot on SQLite).
    package func memoryForReview(of userId: String, question ref: QuestionRef) async throws(DataError) -> MemoryRead {
        let results: [ReadResult]
        do {
            results = try await store.read(memoryReadRequests(of: userId, question: ref))
        } catch {
            throw .storage(error)
        }
        return try memoryRead(from: results[...], of: ref)
    }

    // MARK: - Writing a review

    /// Adds a review of `read.ref` by `userId` with `rating` at `now` to `plan`, and returns the
    /// memory after it.
    ///
    /// The writes: the memory item (part `memory`, conditional on the version read or on not
    /// existing: a conflict there means another request reviewed the question since it was read,
    /// and the review must be computed again from a fresh read); the due index (part
    /// `memoryIndex`: the old copy deleted, the new one put); the due-hour counters of the
    /// question's category (part `memoryCounters` for the hour it joins; the hour it leaves is
    /// decremented while it keeps other questions, part `memoryHourLeave`, and deleted with its
    /// last one, part `memoryHourEmpty`, as `hours` says: a conflict on either means the review
    /// is computed again after `HourBucketHints.learn(from:in:)`); and the totals, merged into
    /// the plan's progress and category items (parts `progress`, `categoryProgress`) whatever
    /// order the caller adds its own writes to them in.
    ///
    /// The schedule uses the learner's desired retention as read; `fuzz` spreads intervals
    /// (`QUIZ_SCHEDULE_FUZZ`), drawing from `rng`, which is not touched otherwise.
    @discardableResult
    package func addReview(
        _ read: MemoryRead, rating: ReviewRating, at now: Int64, category: String?, userId: String, fuzz: Bool = false,
        hours: HourBucketHints = HourBucketHints(), using rng: inout some RandomNumberGenerator, to plan: inout WritePlan
    ) -> MemoryState {
        let scheduler = MemoryScheduler(desiredRetention: read.settings.desiredRetention, fuzz: fuzz)
        let previous = read.stored
        let next = scheduler.review(read.state, rating: rating, at: now, using: &rng)
        let stored = MemoryRecord.Stored(ref: read.ref, category: category, state: next, version: (previous?.version ?? 0) + 1)
        let table = tables.users
        let condition: Condition = previous.map { .version($0.version) } ?? .itemNotExists
        plan.add(.put(MemoryRecord.item(stored, key: MemoryRecord.key(userId, read.ref), withVersion: true), into: table, if: condition), as: .memory)

        // The due index: one copy per question, under its due time.
        let newDue = next.dueAt.map { MemoryRecord.dueKey(userId, read.ref, dueAt: $0) }
        if let oldDueAt = previous?.state.dueAt, case let oldDue = MemoryRecord.dueKey(userId, read.ref, dueAt: oldDueAt), oldDue != newDue {
            plan.add(.delete(oldDue, from: table), as: .memoryIndex)
        }
        if let newDue {
            plan.add(.put(MemoryRecord.item(stored, key: newDue, withVersion: false), into: table), as: .memoryIndex)
        }

        // The counters: the old state leaves the scope it was counted in, the new one joins its own.
        var changes: [(category: String?, delta: MemoryCountersDelta)] = []
        if let previous, previous.category != category {
            changes.append((previous.category, MemoryCountersDelta(from: previous.state, to: .new)))
            changes.append((category, MemoryCountersDelta(from: nil, to: next)))
        } else {
            changes.append((category, MemoryCountersDelta(from: previous?.state, to: next)))
        }
        for (scope, delta) in changes where !delta.isEmpty {
            addCounters(delta, category: scope, userId: userId, hours: hours, to: &plan)
        }
        return next
    }

    /// The writes of one counters delta: totals on the progress items, due hours on their items.
    private func addCounters(
        _ delta: MemoryCountersDelta, category: String?, userId: String, hours: HourBucketHints, to plan: inout WritePlan
    ) {
        let totals: [UpdateAction] = [
            (MemoryRecord.trackedCounter, delta.tracked), (MemoryRecord.matureCounter, delta.mature),
            (MemoryRecord.leechesCounter, delta.leeches),
        ].compactMap { name, change in change == 0 ? nil : .add(name, Number(change)) }
        plan.addAdditions(totals, to: Keys.progress(userId), in: tables.users, as: .progress)
        if let category, !totals.isEmpty {
            ProgressRecord.addCategory(totals, category: category, userId: userId, table: tables.users, to: &plan)
        }
        for change in delta.dueHours {
            let bucket = change.change
            let key = MemoryRecord.hourKey(userId, category: category, hour: change.hour)
            let sums: [UpdateAction] = [
                .add("n", Number(bucket.count)), .add("inv", Number(bucket.inverseStability)),
                .add("ios", Number(bucket.intervalOverStability)),
            ]
            if bucket.count < 0 {
                // The question leaves this hour (the same hour before and after nets to a count of
                // 0 and stays an addition below). The bucket goes with its last question, and its
                // sums with it, so neither empty buckets nor their float drift outlive a review.
                let keepsOthers = Condition.compare("n", .greaterThan, .int(Int64(-bucket.count)))
                if hours.holdsOneAtMost(key) {
                    plan.add(.delete(key, from: tables.users, if: !keepsOthers), as: .memoryHourEmpty)
                } else {
                    plan.add(.update(key, in: tables.users, sums, if: keepsOthers), as: .memoryHourLeave)
                }
                continue
            }
            var actions = sums + [.set("hour", .int(change.hour))]
            if let category { actions.append(.set("category", .string(category))) }
            plan.addAdditions(actions, to: key, in: tables.users, as: .memoryCounters)
        }
    }

    // MARK: - Reading memory

    /// The memory items of `refs` that exist (at most 100 per call is the store's batch; more are
    /// read in batches), keyed by question.
    package func memoryStates(of userId: String, questions refs: [QuestionRef]) async throws(DataError) -> [QuestionRef: MemoryRecord.Stored] {
        guard !refs.isEmpty else { return [:] }
        do {
            let items = try await store.batchGet(refs.map { MemoryRecord.key(userId, $0) }, from: tables.users)
            var states: [QuestionRef: MemoryRecord.Stored] = [:]
            for item in items {
                let stored = try MemoryRecord.stored(from: item)
                states[stored.ref] = stored
            }
            return states
        } catch {
            throw Self.memoryReadFailure(error)
        }
    }

    /// The learner's questions due at `now` (of one bank and category, or all), in review order:
    /// lowest retrievability first (ties: the longer overdue, then bank and question id), at most
    /// `limit`. Reads the due index up to `now` only: bounded by what is due, not by the history.
    package func dueMemory(
        of userId: String, bankId: String?, category: String?, now: Int64, limit: Int
    ) async throws(DataError) -> [MemoryRecord.Stored] {
        guard limit > 0 else { return [] }
        let items: [Item]
        do {
            items = try await store.queryAll(
                Query(tables.users, partition: Keys.user(userId), sortKey: .between(MemoryRecord.duePrefix, MemoryRecord.dueBound(now))))
        } catch {
            throw .storage(error)
        }
        var due: [(stored: MemoryRecord.Stored, retrievability: Double)] = []
        for item in items {
            let stored = try MemoryRecord.stored(from: item)
            if let bankId, stored.ref.bankId != bankId { continue }
            if let category, stored.category != category { continue }
            guard stored.state.isDue(at: now) else { continue }
            due.append((stored, stored.state.retrievability(at: now)))
        }
        due.sort { lhs, rhs in
            if lhs.retrievability != rhs.retrievability { return lhs.retrievability < rhs.retrievability }
            let left = lhs.stored.state.dueAt ?? 0, right = rhs.stored.state.dueAt ?? 0
            if left != right { return left < right }
            return lhs.stored.ref < rhs.stored.ref
        }
        return due.prefix(limit).map(\.stored)
    }

    /// The learner's settings (defaults when never set).
    package func settings(of userId: String) async throws(DataError) -> LearnerSettings {
        do {
            return try MemoryRecord.settings(from: try await store.get(MemoryRecord.settingsKey(userId), from: tables.users))
        } catch {
            throw Self.memoryReadFailure(error)
        }
    }

    /// Saves the learner's settings; every review after it schedules with them.
    package func saveSettings(_ settings: LearnerSettings, of userId: String, now: Int64) async throws(DataError) {
        let key = MemoryRecord.settingsKey(userId)
        let item: Item = [
            "pk": .string(key.partition), "sk": .string(key.sort ?? ""), "desiredRetention": .double(settings.desiredRetention.value),
            "updatedAt": .int(now),
        ]
        do {
            try await store.put(item, into: tables.users)
        } catch {
            throw .storage(error)
        }
    }

    /// A failure reading memory in the data layer's terms.
    static func memoryReadFailure(_ error: any Error) -> DataError {
        switch error {
        case let error as DataError: error
        case let error as TableError: .storage(error)
        default: .damaged("memory item", underlying: error)
        }
    }
}
