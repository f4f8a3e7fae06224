/// The SQL of the SQLite backend: one table for every logical table, keyed by
/// (table, partition key, sort key), holding each item whole.
///
/// Only these fixed texts reach SQLite; every value is bound as a parameter.
enum Schema {
    static let createItems = """
        CREATE TABLE IF NOT EXISTS quiz_items (
            table_name TEXT NOT NULL,
            pk TEXT NOT NULL,
            sk TEXT NOT NULL,
            expires_at INTEGER,
            body BLOB NOT NULL,
            PRIMARY KEY (table_name, pk, sk)
        ) WITHOUT ROWID
        """

    /// Lets the TTL sweep find expired items without scanning the table.
    static let createExpiryIndex = """
        CREATE INDEX IF NOT EXISTS quiz_items_expiry ON quiz_items (table_name, expires_at) WHERE expires_at IS NOT NULL
        """

    /// An item unless its TTL has passed (?4 is now, in epoch seconds).
    static let selectLive = """
        SELECT body FROM quiz_items WHERE table_name = ?1 AND pk = ?2 AND sk = ?3 AND (expires_at IS NULL OR expires_at >= ?4)
        """

    static let selectAny = "SELECT body FROM quiz_items WHERE table_name = ?1 AND pk = ?2 AND sk = ?3"

    static let upsert = """
        INSERT INTO quiz_items (table_name, pk, sk, expires_at, body) VALUES (?1, ?2, ?3, ?4, ?5)
        ON CONFLICT (table_name, pk, sk) DO UPDATE SET expires_at = excluded.expires_at, body = excluded.body
        """

    /// Replaces the body of an item whose expiry stays what it is (?4); changes no row otherwise.
    /// The upsert would rewrite the item's entry in the expiry index even when the time is the
    /// same: one more page per write of an item with a TTL.
    static let updateBodyKeepingExpiry = """
        UPDATE quiz_items SET body = ?5 WHERE table_name = ?1 AND pk = ?2 AND sk = ?3 AND expires_at = ?4
        """

    /// Replaces the body of an item whose expiry stays as stored (?4 is the body).
    static let updateBody = "UPDATE quiz_items SET body = ?4 WHERE table_name = ?1 AND pk = ?2 AND sk = ?3"

    static let delete = "DELETE FROM quiz_items WHERE table_name = ?1 AND pk = ?2 AND sk = ?3"

    static let deleteExpired = """
        DELETE FROM quiz_items WHERE (table_name, pk, sk) IN (
            SELECT table_name, pk, sk FROM quiz_items WHERE table_name = ?1 AND expires_at < ?2 LIMIT ?3)
        """
}

/// The statements the store runs on nearly every call. The connection keeps each one prepared in
/// a slot of its own, so finding it is an array index rather than a lookup by its SQL text.
enum FrequentStatement: Int, CaseIterable {
    case begin, beginRead, commit, rollback, selectLive, selectAny, upsert, updateBodyKeepingExpiry, updateBody, delete

    var sql: String {
        switch self {
        // IMMEDIATE: see `SQLiteConnection.writeTransaction`.
        case .begin: "BEGIN IMMEDIATE"
        // DEFERRED: the first read takes the snapshot, and the transaction never writes.
        case .beginRead: "BEGIN DEFERRED"
        case .commit: "COMMIT"
        case .rollback: "ROLLBACK"
        case .selectLive: Schema.selectLive
        case .selectAny: Schema.selectAny
        case .upsert: Schema.upsert
        case .updateBodyKeepingExpiry: Schema.updateBodyKeepingExpiry
        case .updateBody: Schema.updateBody
        case .delete: Schema.delete
        }
    }
}
