import QuizEngine
import QuizStore

/// A session as an item of the `users` table, under its user's partition, with a TTL so ended
/// sessions do not pile up forever.
///
/// The fields that conditions, the maintenance sweep and people reading the table look at are
/// attributes of their own: `id`, `userId`, `bankId`, `status`, `version` (every write is
/// conditional on it), `startedAt`, `expiresAt`, `updatedAt`, `endedAt`. The rest of the session
/// (options, the drawn set, the serving, the counters, the lists of results) is packed into one
/// binary attribute, `state` (see `SessionState`), together with the question being served as it
/// was when served: every answer reads and writes its session whole, and one packed attribute
/// costs a fraction of the dictionary entries, strings and values of an attribute per field. The
/// copy of the served question is what an answer is graded against, and what a retry or a reload
/// shows, without reading the bank again.
package enum SessionRecord {
    /// A session as read, with the copy of the question it serves, if the item has one.
    package struct Stored: Sendable {
        package var session: QuizSession
        package var servedQuestion: Question?
        /// The transaction token of the last write to the item, when it had one: what lets a
        /// request whose commit's outcome it could not see recognise its own write.
        package var writeToken: String?
    }

    /// The attribute that holds the token of the transaction that last wrote the item.
    package static let tokenAttribute = "txn"

    /// The attribute that holds the packed state.
    package static let stateAttribute = "state"

    /// The item of a session. `serving` is the question `currentQuestion` serves, kept in the
    /// item; pass it whenever the session serves one. `token` is the transaction's that writes it.
    package static func item(
        _ session: QuizSession, serving question: Question? = nil, retentionSeconds: Int, token: TransactionToken? = nil
    ) -> Item {
        var attributes = commonAttributes(
            userId: session.userId, id: session.id, bankId: session.bankId, status: session.status, version: session.version,
            startedAt: session.startedAt, expiresAt: session.expiresAt, updatedAt: session.updatedAt, endedAt: session.endedAt,
            retentionSeconds: retentionSeconds, token: token)
        let served = question.flatMap { question in session.currentQuestion?.questionId == question.id ? question : nil }
        attributes[stateAttribute] = .binary(SessionState.encode(session, servedQuestion: served))
        return Item(attributes)
    }

    /// The attributes every session item has, whatever its mode: its key, its expiry (the time
    /// limit plus the retention: active sessions cannot vanish under a learner, ended ones go away
    /// on their own; docs/data-layer.md, "Nothing grows without bound"), its ids, status, version
    /// and times, and the token of the transaction that writes it.
    package static func commonAttributes(
        userId: String, id: String, bankId: String, status: SessionStatus, version: Int, startedAt: Int64, expiresAt: Int64,
        updatedAt: Int64, endedAt: Int64?, retentionSeconds: Int, token: TransactionToken?
    ) -> [String: AttributeValue] {
        let key = Keys.session(userId, id)
        let end = max(expiresAt, endedAt ?? expiresAt)
        var attributes: [String: AttributeValue] = [:]
        attributes.reserveCapacity(16)
        attributes["pk"] = .string(key.partition)
        attributes["sk"] = .string(key.sort ?? "")
        attributes[QuizTables.ttlAttribute] = .int(end / 1000 + Int64(retentionSeconds))
        attributes["id"] = .string(id)
        attributes["userId"] = .string(userId)
        attributes["bankId"] = .string(bankId)
        attributes["status"] = .string(status.rawValue)
        attributes["version"] = .int(version)
        attributes["startedAt"] = .int(startedAt)
        attributes["expiresAt"] = .int(expiresAt)
        attributes["updatedAt"] = .int(updatedAt)
        if let endedAt { attributes["endedAt"] = .int(endedAt) }
        if let token { attributes[tokenAttribute] = .string(token.value) }
        return attributes
    }

    /// The session an item holds.
    package static func session(from item: Item) throws(DataError) -> QuizSession {
        try stored(from: item).session
    }

    /// The session an item holds, and the question it serves when the item keeps a copy of it.
    ///
    /// - Throws: `sessionModeMismatch` for a flashcard session's item (`FlashcardRecord`).
    package static func stored(from item: Item) throws(DataError) -> Stored {
        guard !FlashcardRecord.isFlashcards(item) else { throw .sessionModeMismatch(expected: "quiz", found: FlashcardRecord.mode) }
        let reader = ItemReader(item.attributes)
        do {
            guard let status = SessionStatus(rawValue: try reader.string("status")) else { throw ItemReader.Failure(field: "status") }
            let token = item.string(tokenAttribute)
            guard let state = item[stateAttribute] else {
                return Stored(session: try legacySession(from: item), servedQuestion: nil, writeToken: token)
            }
            guard case .binary(let packed) = state else { throw ItemReader.Failure(field: stateAttribute) }
            let scalars = SessionState.Scalars(
                id: try reader.string("id"), userId: try reader.string("userId"), bankId: try reader.string("bankId"), status: status,
                version: try reader.int("version"), startedAt: try reader.int64("startedAt"), expiresAt: try reader.int64("expiresAt"),
                updatedAt: try reader.int64("updatedAt"), endedAt: try reader.optionalInt64("endedAt"))
            let (session, copy) = try SessionState.decode(packed, scalars: scalars)
            // A copy that is not of the served question (there is none) is not used.
            let served = copy.flatMap { copy in session.currentQuestion.map { $0.ref == copy.ref } == true ? copy.question : nil }
            return Stored(session: session, servedQuestion: served, writeToken: token)
        } catch {
            throw DataError.damaged("session", underlying: error)
        }
    }

    /// A session item as releases before the packed `state` wrote it: every field an attribute of
    /// its own, exactly what `AttributeEncoder` makes of the session. Sessions started before a
    /// deploy must go on after it (docs/data-layer.md), and the maintenance sweep must still
    /// see them; such an item is read the slow, generic way until its next write packs it.
    private static func legacySession(from item: Item) throws -> QuizSession {
        try AttributeDecoder().decode(QuizSession.self, from: item)
    }

    /// The optimistic lock: the item is still at the version it was read at.
    package static func unchanged(_ session: QuizSession) -> Condition {
        .version(Int64(session.version))
    }
}
