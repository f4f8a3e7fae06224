import CSQLite
import QuizStore

/// A prepared statement owned by its connection's cache: reset and rebound on every use,
/// finalised when the connection closes.
final class SQLiteStatement {
    private var handle: OpaquePointer?
    private unowned let connection: SQLiteConnection

    init(handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    func finalize() {
        sqlite3_finalize(handle)
        handle = nil
    }

    /// Clears the last run and its bindings.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Runs one step and answers SQLite's result code as it is; a statement that failed is
    /// reset, ready to run again.
    func stepResult() -> Int32 {
        let status = sqlite3_step(handle)
        if status != SQLITE_ROW, status != SQLITE_DONE { sqlite3_reset(handle) }
        return status
    }

    /// Runs one step: `true` when a row is ready to read, `false` when the statement is done.
    /// (After the reset, SQLite's message is still the failed step's.)
    func step() throws(TableError) -> Bool {
        let status = stepResult()
        switch status {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(status, context: "step")
        }
    }

    // MARK: - Binding (1-based, as SQLite numbers parameters)

    func bind(_ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { utf8 in bindText(index, UnsafeRawBufferPointer(utf8)) }
    }

    func bind(_ index: Int32, textBytes: [UInt8]) {
        textBytes.withUnsafeBytes { bindText(index, $0) }
    }

    func bind(_ index: Int32, bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            if let base = buffer.baseAddress, !buffer.isEmpty {
                quiz_sqlite3_bind_transient_blob(handle, index, base, Int32(buffer.count))
            } else {
                // A blob bound from a NULL pointer would be stored as SQL NULL.
                sqlite3_bind_zeroblob(handle, index, 0)
            }
        }
    }

    private func bindText(_ index: Int32, _ buffer: UnsafeRawBufferPointer) {
        if let base = buffer.baseAddress, !buffer.isEmpty {
            quiz_sqlite3_bind_transient_text(handle, index, base.assumingMemoryBound(to: CChar.self), Int32(buffer.count))
        } else {
            quiz_sqlite3_bind_transient_text(handle, index, "", 0)
        }
    }

    func bind(_ index: Int32, _ value: Int64?) {
        if let value {
            sqlite3_bind_int64(handle, index, value)
        } else {
            sqlite3_bind_null(handle, index)
        }
    }

    // MARK: - Reading (0-based columns)

    func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    /// The column's bytes handed to `body` without a copy; valid only during the call.
    func withBytes<T>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws(TableError) -> T) throws(TableError) -> T {
        let pointer = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        return try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
