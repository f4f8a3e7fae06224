import QuizEngine
import QuizStore

/// A session of any mode, as read: what the routes every mode shares (read, complete, abandon,
/// the current question, the maintenance sweep) dispatch on.
package enum LearnerSession: Sendable {
    /// A `quiz` or `review` session.
    case quiz(SessionRecord.Stored)
    /// A `flashcards` session.
    case flashcards(FlashcardRecord.Stored)

    /// The session a session item holds, whichever its mode.
    package init(item: Item) throws(DataError) {
        if FlashcardRecord.isFlashcards(item) {
            self = .flashcards(try FlashcardRecord.stored(from: item))
        } else {
            self = .quiz(try SessionRecord.stored(from: item))
        }
    }

    /// The transaction token of the last write to the item.
    package var writeToken: String? {
        switch self {
        case .quiz(let stored): stored.writeToken
        case .flashcards(let stored): stored.writeToken
        }
    }
}

extension LearnerData {
    // MARK: - Reading

    /// The caller's session, whichever its mode; 404 when there is none (another user's included).
    package func learnerSession(_ sessionId: String, of userId: String) async throws(DataError) -> LearnerSession {
        try LearnerSession(item: try await sessionItem(sessionId, of: userId))
    }

    /// The caller's flashcard session; 404 when there is none.
    ///
    /// - Throws: `sessionModeMismatch` when the session is a quiz or review session.
    package func flashcardSession(_ sessionId: String, of userId: String) async throws(DataError) -> FlashcardRecord.Stored {
        try FlashcardRecord.stored(from: try await sessionItem(sessionId, of: userId))
    }

    /// The item of the caller's session `sessionId`; 404 when there is none.
    private func sessionItem(_ sessionId: String, of userId: String) async throws(DataError) -> Item {
        let item: Item?
        do {
            item = try await store.get(Keys.session(userId, sessionId), from: tables.users)
        } catch {
            throw .storage(error)
        }
        guard let item else { throw .sessionNotFound(sessionId) }
        return item
    }

    /// The flashcard session as stored now, and whether the last write to it was one of `tokens`
    /// (see `readBack(_:of:tokens:)`).
    package func readBackFlashcards(
        _ sessionId: String, of userId: String, tokens: RequestTokens
    ) async throws(DataError) -> (stored: FlashcardRecord.Stored, ours: String?) {
        let stored = try await flashcardSession(sessionId, of: userId)
        return (stored, tokens.issued(stored.writeToken) ? stored.writeToken : nil)
    }

    // MARK: - Plans

    /// Adds the writes that save a changed flashcard session: the session (conditional on the
    /// version it was read at, or on being new, and carrying `token`), the status counters and
    /// the active-session index, exactly as `addSession` does for a quiz session.
    package func addFlashcardSession(
        _ session: FlashcardSession, previous: FlashcardSession?, token: TransactionToken?, to plan: inout WritePlan
    ) {
        let item = FlashcardRecord.item(session, retentionSeconds: sessionRetentionSeconds, token: token)
        plan.add(.put(item, into: tables.users, if: previous.map(FlashcardRecord.unchanged) ?? .itemNotExists), as: .session)
        addActiveIndex(sessionId: session.id, userId: session.userId, startedAt: session.startedAt, from: previous?.status, to: session.status, to: &plan)
        plan.addAdditions(
            ProgressRecord.actions(from: previous?.status, to: session.status), to: Keys.progress(session.userId), in: tables.users,
            as: .progress)
    }

    /// The plan that saves a changed flashcard session and nothing else.
    package func flashcardPlan(_ session: FlashcardSession, previous: FlashcardSession?, token: TransactionToken?) -> WritePlan {
        var plan = WritePlan()
        addFlashcardSession(session, previous: previous, token: token, to: &plan)
        return plan
    }

    /// The active-session index item: written with a new session, removed when the session ends.
    func addActiveIndex(
        sessionId: String, userId: String, startedAt: Int64, from old: SessionStatus?, to new: SessionStatus, to plan: inout WritePlan
    ) {
        let indexKey = Keys.active(sessionId: sessionId, startedAt: startedAt)
        if old == nil {
            let index: Item = [
                "pk": .string(indexKey.partition), "sk": .string(indexKey.sort ?? ""), "userId": .string(userId),
                "sessionId": .string(sessionId),
            ]
            plan.add(.put(index, into: tables.users), as: .activeIndex)
        } else if old?.isActive == true, !new.isActive {
            plan.add(.delete(indexKey, from: tables.users), as: .activeIndex)
        }
    }
}
