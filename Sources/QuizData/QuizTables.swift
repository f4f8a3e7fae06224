import QuizStore

/// The three tables of the product and the keys of everything in them.
///
/// - `questions`: per bank (`BANK#id`), one item per question (`Q#id`), one tiny index item per
///   question under its category (`C#category#id`, so a category's ids are one query), the bank's
///   summary (`META`), and the ordinal slots a session draws from: one per question in the bank
///   (`N#ordinal`) and one per question in its category (`NC#category#ordinal`), dense from 0,
///   with each category's count in `CN#category` (docs/data-layer.md, "Drawing a session").
/// - `users`: per user (`USER#sub`), the sessions (`SESSION#id`), the wrong-answer pool (one item
///   per entry and two index items per entry, `POOL…`: see `PoolRecord`) and the progress counters
///   (`PROGRESS`); and the active-session index (`ACTIVE#shard`) the
///   maintenance function sweeps. Every user key is built from the authenticated `sub`, so one
///   user's request can only ever address that user's items.
/// - `idempotency`: per user, one record per idempotency key, expiring after 24 h.
public struct QuizTables: Sendable, Hashable {
    /// Question banks.
    public var questions: TableSchema
    /// Users' sessions, pools and progress, and the active-session index.
    public var users: TableSchema
    /// Idempotency records.
    public var idempotency: TableSchema

    /// The TTL attribute of the tables that have one (epoch seconds, as DynamoDB's TTL wants).
    public static let ttlAttribute = "ttl"

    /// The tables, their names prefixed.
    public init(prefix: String = "") {
        questions = TableSchema(name: prefix + "questions")
        users = TableSchema(name: prefix + "users", ttlAttribute: Self.ttlAttribute)
        idempotency = TableSchema(name: prefix + "idempotency", ttlAttribute: Self.ttlAttribute)
    }

    /// Every table.
    public var all: [TableSchema] { [questions, users, idempotency] }

    /// The tables kept with point-in-time recovery, as in the deployment template: question banks
    /// and learners' data. Idempotency records live a day and need no backups.
    public var withPointInTimeRecovery: [TableSchema] { [questions, users] }
}

/// The keys of the product's items.
package enum Keys {
    package static func bank(_ bankId: String) -> String { "BANK#\(bankId)" }
    package static func question(_ bankId: String, _ questionId: String) -> Key { Key(bank(bankId), "Q#\(questionId)") }
    package static func categoryIndex(_ bankId: String, category: String?, questionId: String) -> Key {
        Key(bank(bankId), "C#\(category ?? "")#\(questionId)")
    }
    package static func bankMeta(_ bankId: String) -> Key { Key(bank(bankId), "META") }
    package static let questionPrefix = "Q#"
    /// The bank-wide slot of ordinal `ordinal`: which question holds it.
    package static func ordinalSlot(_ bankId: String, _ ordinal: Int64) -> Key { Key(bank(bankId), "N#\(ordinal)") }
    /// The slot of ordinal `ordinal` within `category`.
    package static func categorySlot(_ bankId: String, category: String, _ ordinal: Int64) -> Key {
        Key(bank(bankId), "NC#\(category)#\(ordinal)")
    }
    /// A category's count of slots and its revision.
    package static func categoryCounter(_ bankId: String, category: String) -> Key { Key(bank(bankId), "CN#\(category)") }
    package static func categoryPrefix(_ category: String?) -> String { category.map { "C#\($0)#" } ?? "C#" }

    package static func user(_ userId: String) -> String { "USER#\(userId)" }
    package static func session(_ userId: String, _ sessionId: String) -> Key { Key(user(userId), "SESSION#\(sessionId)") }
    package static func progress(_ userId: String) -> Key { Key(user(userId), "PROGRESS") }
    package static let sessionPrefix = "SESSION#"

    /// Active sessions are spread over this many partitions, so no single DynamoDB partition takes every start.
    package static let activeShards = 16
    package static func activeShard(of sessionId: String) -> Int {
        // FNV-1a: stable across processes, unlike `hashValue`.
        var hash: UInt32 = 2_166_136_261
        for byte in sessionId.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Int(hash % UInt32(activeShards))
    }
    package static func activePartition(_ shard: Int) -> String { "ACTIVE#\(shard)" }
    package static func active(sessionId: String, startedAt: Int64) -> Key {
        Key(activePartition(activeShard(of: sessionId)), "\(paddedTime(startedAt))#\(sessionId)")
    }
    /// Fixed-width digits, so the sort key orders by time.
    package static func paddedTime(_ milliseconds: Int64) -> String {
        let digits = String(max(0, milliseconds))
        return String(repeating: "0", count: max(0, 15 - digits.count)) + digits
    }

    package static func idempotency(_ userId: String, _ key: String) -> Key { Key(user(userId), "KEY#\(key)") }

    /// Where the maintenance sweep keeps its place between runs.
    package static let sweepCursor = Key("MAINTENANCE", "SWEEP")
}
