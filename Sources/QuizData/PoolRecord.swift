import QuizEngine
import QuizStore

/// A user's wrong-answer pool in the `users` table: one small item per entry, two index items per
/// entry, and counters on the progress item (docs/data-layer.md).
///
/// Items, all under the user's partition `USER#<userId>`:
/// - `POOL#<bankId>#<questionId>`: the entry (`bankId`, `questionId`, `enteredAt`,
///   `remainingTries`, `sessionId`) and a `version` that every change of it is conditional on, so
///   two sessions of one user changing the same entry at once cannot both win.
/// - `POOLAGE#<enteredAt>#<bankId>#<questionId>`: a copy under a sort key that orders by age, so the
///   oldest entries are one query with a limit of 2 (the picker's 20 % review).
/// - `POOLSESSION#<sessionId>#<enteredAt>#<bankId>#<questionId>`: a copy under the owning session,
///   so a session's own entries, oldest first, are one query (its reviews once its set is done).
/// - `POOLAGE#`, the head of the age index: the pool's summary, `tries#<n>` = how many entries have
///   `n` tries left, changed by atomic adds in the transaction that changes an entry. The penalty
///   indicator and the pool's size come from it, and as it sorts before every age item, the query
///   for the oldest entries returns it too: an answer reads the summary and the oldest entries in
///   one request.
///
/// `enteredAt` is written with 15 digits so that sort keys order by time, then by bank and
/// question id: the order of `WrongAnswerPool` (ids use only characters above `#`).
///
/// One item per entry, not the whole pool in one, because an answer changes at most one entry: it
/// writes a few small items (a few write units on DynamoDB) instead of rewriting a pool of hundreds
/// of entries, and reads only what the picker can use. The copies are written in the same
/// transaction as the entry, so they never disagree with it.
public enum PoolRecord {
    /// The sort-key prefix every pool item starts with: entries and both indexes.
    public static let itemPrefix = "POOL"
    /// The sort-key prefix of the entry items (not the index items).
    public static let entryPrefix = "POOL#"
    package static let agePrefix = "POOLAGE#"
    package static let sessionPrefix = "POOLSESSION#"
    /// The sort key of the summary item, the head of the age index.
    public static let summarySortKey = agePrefix
    /// The prefix of the summary's counters of entries by remaining tries.
    package static let counterPrefix = "tries#"

    /// An entry as stored, with the version its next change is conditional on.
    package struct Stored: Sendable {
        package var entry: PoolEntry
        package var version: Int64
    }

    // MARK: - Keys

    package static func entryKey(_ userId: String, _ ref: QuestionRef) -> Key {
        Key(Keys.user(userId), "\(entryPrefix)\(ref.bankId)#\(ref.questionId)")
    }

    package static func ageKey(_ userId: String, _ entry: PoolEntry) -> Key {
        Key(Keys.user(userId), "\(agePrefix)\(Keys.paddedTime(entry.enteredAt))#\(entry.bankId)#\(entry.questionId)")
    }

    package static func sessionKey(_ userId: String, _ entry: PoolEntry) -> Key {
        Key(Keys.user(userId), "\(sessionPrefix)\(entry.sessionId)#\(Keys.paddedTime(entry.enteredAt))#\(entry.bankId)#\(entry.questionId)")
    }

    package static func summaryKey(_ userId: String) -> Key { Key(Keys.user(userId), summarySortKey) }

    /// The sort-key prefix of one session's index items.
    package static func sessionIndexPrefix(_ sessionId: String) -> String { "\(sessionPrefix)\(sessionId)#" }

    /// The summary's counter of entries with `remainingTries` tries left.
    public static func counterName(remainingTries: Int) -> String { "\(counterPrefix)\(remainingTries)" }

    // MARK: - Items

    /// The items that store `entry` for the first time: the entry at version 1 and its two index copies.
    public static func items(_ entry: PoolEntry, userId: String) -> [Item] {
        [
            item(entry, key: entryKey(userId, entry.ref), version: 1), item(entry, key: ageKey(userId, entry)),
            item(entry, key: sessionKey(userId, entry)),
        ]
    }

    private static func item(_ entry: PoolEntry, key: Key, version: Int64? = nil) -> Item {
        var attributes: [String: AttributeValue] = [
            "pk": .string(key.partition), "sk": .string(key.sort ?? ""), "bankId": .string(entry.bankId),
            "questionId": .string(entry.questionId), "enteredAt": .int(entry.enteredAt),
            "remainingTries": .int(entry.remainingTries), "sessionId": .string(entry.sessionId),
        ]
        if let version { attributes["version"] = .int(version) }
        return Item(attributes)
    }

    /// The entry an entry item or an index item holds.
    public static func entry(from item: Item) throws(DataError) -> PoolEntry {
        guard let bankId = item.string("bankId"), let questionId = item.string("questionId"), let enteredAt = item.int("enteredAt"),
            let tries = item.int("remainingTries"), let sessionId = item.string("sessionId")
        else {
            throw DataError.damaged("pool entry")
        }
        return PoolEntry(bankId: bankId, questionId: questionId, enteredAt: enteredAt, remainingTries: Int(tries), sessionId: sessionId)
    }

    /// The summary item of a pool whose entries have these numbers of remaining tries.
    public static func summaryItem(countsByRemainingTries counts: [Int: Int], userId: String) -> Item {
        let key = summaryKey(userId)
        var item: Item = ["pk": .string(key.partition), "sk": .string(key.sort ?? "")]
        for (tries, count) in counts { item[counterName(remainingTries: tries)] = .int(count) }
        return item
    }

    package static func stored(from item: Item) throws(DataError) -> Stored {
        Stored(entry: try entry(from: item), version: item.int("version") ?? 1)
    }

    // MARK: - Writing a change

    /// The writes that store what one answer did to the pool. `stored` is the answered question's
    /// entry as it was read (`nil`: it was not in the pool). The entry item's write carries the
    /// condition: absent for a new entry, still at the version read for a change, so a race with
    /// another session of the same user cancels the transaction instead of losing an update.
    package static func writes(for change: PoolChange, stored: Stored?, userId: String, table: TableSchema) -> [TransactionWrite] {
        switch change {
        case .unchanged:
            return []
        case .entered(let entry):
            return [
                .put(item(entry, key: entryKey(userId, entry.ref), version: 1), into: table, if: .itemNotExists),
                .put(item(entry, key: ageKey(userId, entry)), into: table),
                .put(item(entry, key: sessionKey(userId, entry)), into: table),
            ]
        case .reset(let entry), .decremented(let entry):
            // The engine changes only entries it was given, and it is given the answered one only
            // when it was read; `stored` is there.
            let before = stored?.entry ?? entry
            let version = stored?.version ?? 0
            var writes: [TransactionWrite] = [
                .put(item(entry, key: entryKey(userId, entry.ref), version: version + 1), into: table, if: .version(version)),
                .put(item(entry, key: ageKey(userId, entry)), into: table),
            ]
            if before.sessionId != entry.sessionId {
                // A reset hands the entry to the session that missed it: it moves in the session index.
                writes.append(.delete(sessionKey(userId, before), from: table))
            }
            writes.append(.put(item(entry, key: sessionKey(userId, entry)), into: table))
            return writes
        case .mastered(let entry):
            let before = stored?.entry ?? entry
            return [
                .delete(entryKey(userId, entry.ref), from: table, if: .version(stored?.version ?? 0)),
                .delete(ageKey(userId, before), from: table),
                .delete(sessionKey(userId, before), from: table),
            ]
        }
    }

    /// The update of the summary for one pool change (`nil` when the counts stay), for the same
    /// transaction as the change.
    package static func summaryWrite(for change: PoolChange, stored: PoolEntry?, userId: String, table: TableSchema) -> TransactionWrite? {
        var deltas = PoolSummary()
        deltas.apply(change, stored: stored)
        let actions: [UpdateAction] = deltas.counts.keys.sorted().compactMap { tries in
            let delta = deltas.counts[tries] ?? 0
            return delta == 0 ? nil : .add(counterName(remainingTries: tries), Number(delta))
        }
        return actions.isEmpty ? nil : .update(summaryKey(userId), in: table, actions)
    }
}

/// The pool as its counters tell it: how many entries have each number of remaining tries. Enough
/// for the penalty indicator and the pool's size without reading a single entry.
package struct PoolSummary: Sendable, Hashable {
    /// Entries by remaining tries.
    package var counts: [Int: Int] = [:]

    package init() {}

    /// The counters of a summary item (none yet: an empty pool).
    package init(summary: Item?) {
        guard let summary else { return }
        for (name, value) in summary.attributes where name.hasPrefix(PoolRecord.counterPrefix) {
            guard let tries = Int(name.dropFirst(PoolRecord.counterPrefix.count)), let count = value.intValue else { continue }
            counts[tries] = Int(count)
        }
    }

    /// Applies one change made to an entry that was `stored` before it (`nil`: not in the pool).
    package mutating func apply(_ change: PoolChange, stored: PoolEntry?) {
        guard case .unchanged = change else {
            if let stored { counts[stored.remainingTries, default: 0] -= 1 }
            switch change {
            case .entered(let entry), .reset(let entry), .decremented(let entry): counts[entry.remainingTries, default: 0] += 1
            case .mastered, .unchanged: break
            }
            return
        }
    }

    /// The number of entries.
    package var size: Int { counts.values.reduce(0) { $0 + max(0, $1) } }

    /// `(+2 Questions @ 2 Tries) (+1 Question @ 1 Try)`; empty for an empty pool.
    package var penaltyIndicator: String { PenaltyIndicator(countsByRemainingTries: counts).text }
}
