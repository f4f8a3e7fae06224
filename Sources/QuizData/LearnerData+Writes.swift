import QuizEngine
import QuizStore

/// How one commit of a plan went.
package enum CommitOutcome: Sendable {
    /// Every write landed.
    case committed
    /// These parts' conditions failed: this attempt wrote nothing. (An earlier attempt of the
    /// same transaction, retried after a lost reply, may have landed: see `landed(…)`.)
    case conflicted(Set<WritePlan.Part>)
    /// It is not known whether the writes landed: the reply was lost, or the store failed after
    /// a retry of an attempt whose reply was lost.
    case uncertain(TableError)
}

extension LearnerData {
    // MARK: - Plans

    /// Adds the writes that save a changed session: the session itself (conditional on the
    /// version it was read at, or on being new, and carrying `token`), the status counters with
    /// `progress` (one item appears only once in a transaction), and the active-session index.
    /// `serving` is the question the session serves, kept in its item (see `SessionRecord`).
    package func addSession(
        _ session: QuizSession, previous: QuizSession?, progress: [UpdateAction] = [], serving: Question? = nil,
        token: TransactionToken?, to plan: inout WritePlan
    ) {
        let item = SessionRecord.item(session, serving: serving, retentionSeconds: sessionRetentionSeconds, token: token)
        plan.add(.put(item, into: tables.users, if: previous.map(SessionRecord.unchanged) ?? .itemNotExists), as: .session)
        addActiveIndex(
            sessionId: session.id, userId: session.userId, startedAt: session.startedAt, from: previous?.status, to: session.status,
            to: &plan)
        plan.addAdditions(
            ProgressRecord.actions(from: previous?.status, to: session.status) + progress, to: Keys.progress(session.userId),
            in: tables.users, as: .progress)
    }

    /// The plan that saves a changed session and nothing else.
    package func sessionPlan(
        _ session: QuizSession, previous: QuizSession?, serving: Question? = nil, token: TransactionToken?
    ) -> WritePlan {
        var plan = WritePlan()
        addSession(session, previous: previous, serving: serving, token: token, to: &plan)
        return plan
    }

    /// The plan of one answer: the session, its progress counters, and what the answer did to
    /// the user's pool (the entry, its index items, the pool's counters). `read` is the part of
    /// the pool the answer was graded against. The caller adds the idempotency completion, and
    /// any part of its own, before committing.
    package func answerPlan(
        _ session: QuizSession, previous: QuizSession, outcome: AnswerOutcome, read: PoolForAnswer, serving: Question?,
        token: TransactionToken
    ) -> WritePlan {
        var plan = WritePlan()
        addSession(
            session, previous: previous, progress: ProgressRecord.actions(for: outcome.progress), serving: serving, token: token,
            to: &plan)
        let userId = session.userId
        if let category = outcome.progress.category {
            ProgressRecord.addCategory(
                ProgressRecord.categoryActions(for: outcome.progress), category: category, userId: userId, table: tables.users, to: &plan)
        }
        let poolWrites = PoolRecord.writes(for: outcome.poolChange, stored: read.answered, userId: userId, table: tables.users)
        // The entry item comes first and carries the condition; the index items follow it.
        if let entry = poolWrites.first {
            plan.add(entry, as: .poolEntry)
            plan.add(Array(poolWrites.dropFirst()), as: .poolIndex)
        }
        if let summary = PoolRecord.summaryWrite(for: outcome.poolChange, stored: read.answered?.entry, userId: userId, table: tables.users) {
            plan.add(summary, as: .poolSummary)
        }
        return plan
    }

    // MARK: - Committing

    /// Commits a plan as one transaction with `token`.
    ///
    /// Only a refusal that no retry changes (a write the store rejects as invalid or too large)
    /// throws. Every other failure is `uncertain`: the resilience layer may have retried an
    /// attempt whose reply was lost before the one that failed, so the caller reads back before
    /// saying the writes did not happen.
    package func commit(_ plan: WritePlan, token: TransactionToken?) async throws(DataError) -> CommitOutcome {
        do {
            try await store.transactWrite(plan.writes, token: token)
            return .committed
        } catch {
            switch error.code {
            case .transactionCanceled:
                guard let failed = plan.failedParts(in: error) else { return .conflicted(Set(plan.parts)) }
                // Cancelled by conflicts or throttling alone, after the retries: nothing failed on us.
                return failed.isEmpty ? .uncertain(error) : .conflicted(failed)
            case .validation, .itemTooLarge:
                throw .storage(error)
            case .conditionFailed, .busy, .throttled, .backendFailure, .timeout, .connectionFailure, .unavailable:
                return .uncertain(error)
            }
        }
    }

    /// The session as stored now, and whether the last write to it was one of `tokens`: after a
    /// commit that conflicted or whose outcome is unknown, what tells the request whether one of
    /// its own attempts landed.
    package func readBack(
        _ sessionId: String, of userId: String, tokens: RequestTokens
    ) async throws(DataError) -> (stored: SessionRecord.Stored, ours: String?) {
        let stored = try await storedSession(sessionId, of: userId)
        return (stored, tokens.issued(stored.writeToken) ? stored.writeToken : nil)
    }

    /// A session that has no served question to act on, as it stands once its time limit is
    /// applied: a session whose time ran out just now is saved as `expired`, as an answer would
    /// have left it (with `completion`, the request's idempotency completion, in the same
    /// transaction). Returns the session and whether the save committed; a lost race leaves the
    /// winner's state, and the caller refuses by the returned session's status either way.
    package func settleUnserved(
        _ previous: QuizSession, now: Int64, completion: TransactionWrite? = nil, tokens: inout RequestTokens
    ) async throws(DataError) -> (session: QuizSession, saved: Bool) {
        var session = previous
        guard session.status.isActive, session.sweep(now: now, idleLimitSeconds: .max) != nil else { return (session, false) }
        let token = tokens.next()
        var plan = sessionPlan(session, previous: previous, token: token)
        if let completion { plan.add(completion, as: .idempotency) }
        switch try await commit(plan, token: token) {
        case .committed: return (session, true)
        case .conflicted, .uncertain:
            // Another request saved the session first, or this save's outcome is unknown: read
            // back which. Either way the session is no longer active.
            let (stored, ours) = try await readBack(session.id, of: session.userId, tokens: tokens)
            if ours != nil { return (session, true) }
            // Nobody's save landed: the session is still the one read, and its time is still up.
            return (stored.session.version == previous.version ? session : stored.session, false)
        }
    }
}
