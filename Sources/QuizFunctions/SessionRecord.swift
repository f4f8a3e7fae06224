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

/// The user's wrong-answer pool as one item: the entries, oldest first, packed into one binary
/// attribute, and a version every write is conditional on.
///
/// One item, not one per entry: an answer needs the oldest entries, the answered question's entry
/// and the pool's summary, all at once. A 500-entry pool packs into about 25 KB, far inside the
/// 400 KB item limit, and packing (rather than a list of lists) keeps reading it to tens of
/// microseconds, which the answer's 1 ms budget needs. The format is `PoolCodec`'s.
public enum PoolRecord {
    /// The pool an item of the `users` table holds (an empty pool for no item).
    public static func pool(from item: Item?) throws(APIError) -> WrongAnswerPool {
        guard let item else { return WrongAnswerPool() }
        guard let version = item.int("version"), case .binary(let packed)? = item["entries"],
            let entries = PoolCodec.decode(packed)
        else {
            throw APIError.internalFailure("stored pool is unreadable")
        }
        return WrongAnswerPool(storedEntries: entries, version: Int(version))
    }

    /// The item that stores a user's pool.
    public static func item(_ pool: WrongAnswerPool, userId: String) -> Item {
        let key = Keys.pool(userId)
        return [
            "pk": .string(key.partition), "sk": .string(key.sort!), "version": .int(pool.version),
            "count": .int(pool.count), "entries": .binary(PoolCodec.encode(pool.entries)),
        ]
    }

    /// The write of a changed pool, conditional on the version it was read at.
    static func write(_ pool: WrongAnswerPool, readAt version: Int, userId: String, table: TableSchema) -> TransactionWrite {
        .put(item(pool, userId: userId), into: table, if: version == 0 ? .itemNotExists : .version(Int64(version)))
    }
}
