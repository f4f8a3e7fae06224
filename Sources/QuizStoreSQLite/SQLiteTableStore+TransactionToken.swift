import QuizStore
import Synchronization

// DynamoDB's `ClientRequestToken` on SQLite (see `TransactionToken`): a transaction with a token
// writes the token, a fingerprint of its writes and the time into `quiz_transaction_tokens` in
// the same SQLite transaction as its items, so the token is stored exactly when the writes are.
// A later transaction with that token, within the ten-minute window, finds it: with the same
// writes it is answered as done and writes nothing; with other writes it is refused, as
// DynamoDB answers `IdempotentParameterMismatchException`.

extension Schema {
    /// The tokens of committed transactions. `fingerprint` identifies the writes (see
    /// `TransactionFingerprint`); `committed_at` is in epoch seconds.
    static let createTransactionTokens = """
        CREATE TABLE IF NOT EXISTS quiz_transaction_tokens (
            token TEXT PRIMARY KEY,
            fingerprint INTEGER NOT NULL,
            committed_at INTEGER NOT NULL
        ) WITHOUT ROWID
        """

    static let selectTransactionToken = "SELECT fingerprint, committed_at FROM quiz_transaction_tokens WHERE token = ?1"

    static let upsertTransactionToken = """
        INSERT INTO quiz_transaction_tokens (token, fingerprint, committed_at) VALUES (?1, ?2, ?3)
        ON CONFLICT (token) DO UPDATE SET fingerprint = excluded.fingerprint, committed_at = excluded.committed_at
        """

    /// Tokens past the window answer nothing any more; a few hundred at a time go.
    static let deleteOldTransactionTokens = """
        DELETE FROM quiz_transaction_tokens WHERE token IN (
            SELECT token FROM quiz_transaction_tokens WHERE committed_at < ?1 LIMIT 500)
        """
}

/// Commits with a token in this process, to purge old tokens every so often rather than on every commit.
private let tokenCommits = Atomic<UInt64>(0)

/// The token of one transaction, checked before its writes and recorded with them.
struct TokenCheck {
    let token: TransactionToken
    let fingerprint: Int64
    /// Epoch seconds.
    let now: Int64

    init(token: TransactionToken, writes: [TransactionWrite], now: Int64) {
        self.token = token
        self.fingerprint = TransactionFingerprint(writes).value
        self.now = now
    }

    /// Whether a transaction with this token committed within the window: `true` when it had the
    /// same writes; a validation error when it had others.
    func alreadyCommitted(on connection: SQLiteConnection) throws(TableError) -> Bool {
        let statement = try connection.statement(Schema.selectTransactionToken)
        defer { statement.reset() }
        statement.bind(1, token.value)
        guard try statement.step() else { return false }
        guard statement.int64(1) >= now - TransactionToken.window else { return false }
        guard statement.int64(0) == fingerprint else {
            throw .validation("transaction token \(token) was used with other writes in the last ten minutes")
        }
        return true
    }

    /// Stores the token with the transaction's writes; every 256th commit also removes tokens past the window.
    func record(on connection: SQLiteConnection) throws(TableError) {
        let statement = try connection.statement(Schema.upsertTransactionToken)
        statement.bind(1, token.value)
        statement.bind(2, fingerprint)
        statement.bind(3, now)
        while try statement.step() {}
        if tokenCommits.wrappingAdd(1, ordering: .relaxed).oldValue % 256 == 0 {
            let purge = try connection.statement(Schema.deleteOldTransactionTokens)
            purge.bind(1, now - TransactionToken.window)
            while try purge.step() {}
        }
    }
}

/// A 64-bit FNV-1a hash of a transaction's writes in a canonical form (map entries in name
/// order), the same in every process: two transactions with one token are told apart by it.
struct TransactionFingerprint {
    private(set) var hash: UInt64 = 0xcbf2_9ce4_8422_2325

    init(_ writes: [TransactionWrite]) {
        for write in writes { add(write) }
    }

    var value: Int64 { Int64(bitPattern: hash) }

    private mutating func byte(_ byte: UInt8) {
        hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
    }

    private mutating func text(_ text: String) {
        for byte in text.utf8 { self.byte(byte) }
        // 0xFF never occurs in UTF-8: it ends the string unambiguously.
        byte(0xFF)
    }

    private mutating func add(_ write: TransactionWrite) {
        switch write {
        case .put(let item, let table, let condition):
            byte(1)
            text(table.name)
            add(.map(item.attributes))
            add(condition)
        case .update(let key, let table, let actions, let condition):
            byte(2)
            text(table.name)
            add(key)
            for action in actions { add(action) }
            add(condition)
        case .delete(let key, let table, let condition):
            byte(3)
            text(table.name)
            add(key)
            add(condition)
        case .conditionCheck(let key, let table, let condition):
            byte(4)
            text(table.name)
            add(key)
            add(condition)
        }
    }

    private mutating func add(_ key: Key) {
        text(key.partition)
        text(key.sort ?? "")
    }

    private mutating func add(_ value: AttributeValue) {
        switch value {
        case .string(let string):
            byte(1)
            text(string)
        case .number(let number):
            byte(2)
            text(number.description)
        case .binary(let bytes):
            byte(3)
            text(String(bytes.count))
            for byte in bytes { self.byte(byte) }
        case .bool(let flag):
            byte(flag ? 4 : 5)
        case .null:
            byte(6)
        case .list(let elements):
            byte(7)
            text(String(elements.count))
            for element in elements { add(element) }
        case .map(let entries):
            byte(8)
            text(String(entries.count))
            for name in entries.keys.sorted() {
                text(name)
                add(entries[name] ?? .null)
            }
        }
    }

    private mutating func add(_ action: UpdateAction) {
        switch action {
        case .set(let name, let value):
            byte(1)
            text(name)
            add(value)
        case .setIfNotExists(let name, let value):
            byte(2)
            text(name)
            add(value)
        case .remove(let name):
            byte(3)
            text(name)
        case .add(let name, let number):
            byte(4)
            text(name)
            text(number.description)
        }
    }

    private mutating func add(_ condition: Condition?) {
        guard let condition else { return byte(0) }
        switch condition {
        case .itemExists: byte(1)
        case .itemNotExists: byte(2)
        case .attributeExists(let name):
            byte(3)
            text(name)
        case .attributeNotExists(let name):
            byte(4)
            text(name)
        case .compare(let name, let comparison, let value):
            byte(5)
            text(name)
            text(comparison.rawValue)
            add(value)
        case .beginsWith(let name, let prefix):
            byte(6)
            text(name)
            text(prefix)
        case .and(let conditions):
            byte(7)
            text(String(conditions.count))
            for condition in conditions { add(condition) }
        case .or(let conditions):
            byte(8)
            text(String(conditions.count))
            for condition in conditions { add(condition) }
        case .not(let condition):
            byte(9)
            add(condition)
        }
    }
}
