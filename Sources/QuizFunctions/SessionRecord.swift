import QuizEngine
import QuizHTTP
import QuizStore

/// A session as an item of the `users` table: the engine's `QuizSession`, attribute by attribute,
/// under its user's partition, with a TTL so ended sessions do not pile up forever.
enum SessionRecord {
    /// The item of a session; its `version` attribute is what every write is conditional on.
    static func item(_ session: QuizSession, retentionSeconds: Int) throws(APIError) -> Item {
        var item: Item
        do {
            item = try AttributeEncoder().encodeItem(session)
        } catch {
            throw APIError.internalFailure("cannot encode session", underlying: error)
        }
        let key = Keys.session(session.userId, session.id)
        item["pk"] = .string(key.partition)
        item["sk"] = .string(key.sort!)
        // Kept until the time limit plus the retention: active sessions cannot vanish under a
        // learner, ended ones go away on their own (PRODUCT.md §2, failure 4).
        let end = max(session.expiresAt, session.endedAt ?? session.expiresAt)
        item[QuizTables.ttlAttribute] = .int(end / 1000 + Int64(retentionSeconds))
        return item
    }

    /// The session an item holds.
    static func session(from item: Item) throws(APIError) -> QuizSession {
        do {
            return try AttributeDecoder().decode(QuizSession.self, from: item)
        } catch {
            throw APIError.internalFailure("stored session is unreadable", underlying: error)
        }
    }

    /// The optimistic lock: the item is still at the version it was read at.
    static func unchanged(_ session: QuizSession) -> Condition {
        .version(Int64(session.version))
    }
}

/// The user's wrong-answer pool as one item: entries as compact lists
/// `[bankId, questionId, enteredAt, remainingTries, sessionId]`, oldest first, and a version.
///
/// One item, not one per entry: an answer reads the whole pool to pick the oldest entry and to
/// summarise it, and a 500-entry pool is about 30 KB, far inside the 400 KB item limit.
enum PoolRecord {
    static func pool(from item: Item?) throws(APIError) -> WrongAnswerPool {
        guard let item else { return WrongAnswerPool() }
        guard let version = item.int("version"), let entries = item["entries"]?.listValue else {
            throw APIError.internalFailure("stored pool is unreadable")
        }
        var decoded: [PoolEntry] = []
        decoded.reserveCapacity(entries.count)
        for entry in entries {
            guard let fields = entry.listValue, fields.count == 5, let bankId = fields[0].stringValue,
                let questionId = fields[1].stringValue, let enteredAt = fields[2].intValue,
                let tries = fields[3].intValue, let sessionId = fields[4].stringValue
            else { throw APIError.internalFailure("stored pool entry is unreadable") }
            decoded.append(
                PoolEntry(
                    bankId: bankId, questionId: questionId, enteredAt: enteredAt, remainingTries: Int(tries),
                    sessionId: sessionId))
        }
        return WrongAnswerPool(entries: decoded, version: Int(version))
    }

    static func item(_ pool: WrongAnswerPool, userId: String) -> Item {
        let key = Keys.pool(userId)
        let entries: [AttributeValue] = pool.entries.map { entry in
            .list([
                .string(entry.bankId), .string(entry.questionId), .int(entry.enteredAt), .int(entry.remainingTries),
                .string(entry.sessionId),
            ])
        }
        return ["pk": .string(key.partition), "sk": .string(key.sort!), "version": .int(pool.version), "entries": .list(entries)]
    }

    /// The write of a changed pool, conditional on the version it was read at.
    static func write(_ pool: WrongAnswerPool, readAt version: Int, userId: String, table: TableSchema) -> TransactionWrite {
        .put(item(pool, userId: userId), into: table, if: version == 0 ? .itemNotExists : .version(Int64(version)))
    }
}
