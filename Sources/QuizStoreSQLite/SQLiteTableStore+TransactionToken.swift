import QuizStore
import Synchronization

// DynamoDB's `ClientRequestToken` on SQLite (see `TransactionToken`): a transaction with a token
// writes the token, a fingerprint of its writes and the time into `quiz_transaction_tokens` in
// the same SQLite transaction as its items, so the token is stored exactly when the writes are.
// A later transaction with that token, within the ten-minute window, finds it: with the same
// writes it is answered as done and writes nothing; with other writes it is refused, as
// DynamoDB answers `IdempotentParameterMismatchException`.
//
// Tokens are filed by ten-minute period (`period` = commit time / 600): a token is looked up in
// its period and the one before, and whole periods past the window are dropped by a range delete
// on the primary key, so one B-tree holds them all and no index is kept up to date per commit.

extension Schema {
    /// The tokens of committed transactions. `fingerprint` identifies the writes (see
    /// `TransactionFingerprint`); `committed_at` is in epoch seconds.
    static let createTransactionTokens = """
        CREATE TABLE IF NOT EXISTS quiz_transaction_tokens (
            period INTEGER NOT NULL,
            token TEXT NOT NULL,
            fingerprint INTEGER NOT NULL,
            committed_at INTEGER NOT NULL,
            PRIMARY KEY (period, token)
        ) WITHOUT ROWID
        """

    /// The token as committed in period ?1: a point lookup on the primary key.
    static let selectTransactionToken = "SELECT fingerprint, committed_at FROM quiz_transaction_tokens WHERE period = ?1 AND token = ?2"

    /// The token in period ?1, unless it is there already (then `changes` is 0).
    static let insertTransactionToken = """
        INSERT INTO quiz_transaction_tokens (period, token, fingerprint, committed_at) VALUES (?1, ?2, ?3, ?4)
        ON CONFLICT (period, token) DO NOTHING
        """

    /// Periods that ended before the window began answer nothing any more.
    static let deleteOldTransactionTokens = "DELETE FROM quiz_transaction_tokens WHERE period < ?1"
}

/// Commits with a token in this process, to purge old periods every so often rather than on every commit.
private let tokenCommits = Atomic<UInt64>(0)

/// The token of one transaction, checked before its writes and recorded with them.
struct TokenCheck {
    let token: TransactionToken
    let fingerprint: Int64
    /// Epoch seconds.
    let now: Int64

    /// The ten-minute period of `now`.
    var period: Int64 { now / TransactionToken.window }

    init(token: TransactionToken, writes: [TransactionWrite], now: Int64) {
        self.token = token
        self.fingerprint = TransactionFingerprint(writes).value
        self.now = now
    }

    /// Checks the token before the transaction's writes, and files it with them: `true` when a
    /// transaction with this token and these writes committed within the window (the repeat
    /// writes nothing); a validation error when it had other writes. Otherwise the token is
    /// inserted now, in the same SQLite transaction as the writes: a cancelled transaction rolls
    /// it back with them.
    func claim(on connection: SQLiteConnection) throws(TableError) -> Bool {
        // The period before: a token filed there may still be inside the window.
        if let earlier = try lookUp(period: period - 1, on: connection), earlier.committedAt >= now - TransactionToken.window {
            return try isRepeat(fingerprint: earlier.fingerprint)
        }
        let insert = try connection.statement(Schema.insertTransactionToken)
        insert.bind(1, period)
        insert.bind(2, token.value)
        insert.bind(3, fingerprint)
        insert.bind(4, now)
        while try insert.step() {}
        guard connection.changes == 0 else {
            try purgeNowAndThen(on: connection)
            return false
        }
        // Filed in this period already: a repeat.
        guard let filed = try lookUp(period: period, on: connection) else { return false }
        return try isRepeat(fingerprint: filed.fingerprint)
    }

    private func isRepeat(fingerprint filed: Int64) throws(TableError) -> Bool {
        guard filed == fingerprint else {
            throw .validation("transaction token \(token) was used with other writes in the last ten minutes")
        }
        return true
    }

    private func lookUp(period: Int64, on connection: SQLiteConnection) throws(TableError) -> (fingerprint: Int64, committedAt: Int64)? {
        let statement = try connection.statement(Schema.selectTransactionToken)
        defer { statement.reset() }
        statement.bind(1, period)
        statement.bind(2, token.value)
        guard try statement.step() else { return nil }
        return (statement.int64(0), statement.int64(1))
    }

    /// Every 256th token filed drops the periods that ended before the window began.
    private func purgeNowAndThen(on connection: SQLiteConnection) throws(TableError) {
        guard tokenCommits.wrappingAdd(1, ordering: .relaxed).oldValue % 256 == 0 else { return }
        let purge = try connection.statement(Schema.deleteOldTransactionTokens)
        purge.bind(1, period - 1)
        while try purge.step() {}
    }
}

/// A 64-bit FNV-1a hash of what a transaction's writes address, the same in every process: each
/// write's operation, table, key and condition (conditions carry the versions read). Two
/// transactions under one token that write other items, or on other conditions, are told apart;
/// the values written are not hashed, which spares hashing every item on every commit.
struct TransactionFingerprint {
    private(set) var hash: UInt64 = 0xcbf2_9ce4_8422_2325

    init(_ writes: [TransactionWrite]) {
        for write in writes { add(write) }
    }

    private init() {}

    var value: Int64 { Int64(bitPattern: hash) }

    private mutating func byte(_ byte: UInt8) {
        hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
    }

    private mutating func integer(_ value: Int64) {
        for shift in stride(from: 0, to: 64, by: 8) { byte(UInt8(truncatingIfNeeded: value >> Int64(shift))) }
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
            add((try? table.key(of: item)) ?? Key(""))
            add(condition)
        case .update(let key, let table, let actions, let condition):
            byte(2)
            text(table.name)
            add(key)
            for action in actions { text(action.attribute) }
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
            if let value = number.intValue {
                integer(value)
            } else {
                text(number.description)
            }
        case .binary(let bytes):
            byte(3)
            integer(Int64(bytes.count))
            for byte in bytes { self.byte(byte) }
        case .bool(let flag):
            byte(flag ? 4 : 5)
        case .null:
            byte(6)
        case .list(let elements):
            byte(7)
            for element in elements { add(element) }
            byte(0xFE)
        case .map(let entries):
            byte(8)
            var sum: UInt64 = 0
            for (name, value) in entries {
                var entry = TransactionFingerprint()
                entry.text(name)
                entry.add(value)
                sum &+= entry.hash
            }
            integer(Int64(bitPattern: sum))
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
