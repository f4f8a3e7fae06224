import QuizStore

/// The SQL and bound values of one query, from a fixed set of templates.
///
/// Sort keys are TEXT under SQLite's BINARY collation, which compares with memcmp: the same
/// byte order in which DynamoDB sorts string keys.
struct QueryPlan {
    /// The statement text: parameters ?1 table, ?2 partition, ?3 now, ?4 row limit, then `bounds` from ?5.
    let sql: String
    /// UTF-8 bytes bound as TEXT from parameter 5 on.
    let bounds: [[UInt8]]

    init(query: Query, resumesAfter cursor: String?) {
        var clauses: [String] = []
        var bounds: [[UInt8]] = []
        func add(_ clause: String, _ value: [UInt8]) {
            bounds.append(value)
            clauses.append(clause.replacingPlaceholder(with: "?\(4 + bounds.count)"))
        }
        switch query.sortKey {
        case nil: break
        case .equals(let value)?: add("sk = ?", Array(value.utf8))
        case .lessThan(let value)?: add("sk < ?", Array(value.utf8))
        case .lessThanOrEqual(let value)?: add("sk <= ?", Array(value.utf8))
        case .greaterThan(let value)?: add("sk > ?", Array(value.utf8))
        case .greaterThanOrEqual(let value)?: add("sk >= ?", Array(value.utf8))
        case .between(let low, let high)?:
            add("sk >= ?", Array(low.utf8))
            add("sk <= ?", Array(high.utf8))
        case .beginsWith(let prefix)?:
            let bytes = Array(prefix.utf8)
            if !bytes.isEmpty {
                add("sk >= ?", bytes)
                // The smallest text above every text with this prefix: the prefix with its
                // last byte raised by one. UTF-8 never holds 0xFF, so the byte cannot overflow.
                add("sk < ?", bytes.dropLast() + [bytes[bytes.count - 1] + 1])
            }
        }
        if let cursor { add(query.ascending ? "sk > ?" : "sk < ?", Array(cursor.utf8)) }
        let filter = clauses.map { " AND " + $0 }.joined()
        sql = """
            SELECT sk, body FROM quiz_items WHERE table_name = ?1 AND pk = ?2 \
            AND (expires_at IS NULL OR expires_at >= ?3)\(filter) ORDER BY sk \(query.ascending ? "ASC" : "DESC") LIMIT ?4
            """
        self.bounds = bounds
    }
}

extension String {
    fileprivate func replacingPlaceholder(with parameter: String) -> String {
        guard let index = firstIndex(of: "?") else { return self }
        return self[..<index] + parameter + self[self.index(after: index)...]
    }
}
