import QuizStore

/// The SQL and bound values of one query, from a fixed set of templates.
///
/// Sort keys are TEXT under SQLite's BINARY collation, which compares with memcmp: the same
/// byte order in which DynamoDB sorts string keys.
///
/// A query's SQL depends only on its shape (which sort-key condition, which order, whether it
/// resumes after a cursor), so each shape has a slot: the connection keeps the prepared statement
/// of a shape in its slot, and a query finds it without building or hashing its SQL text.
struct QueryPlan {
    /// The comparisons a query can put on the sort key, in the order of `bounds`.
    private enum Clause: String {
        case equal = "sk = ", less = "sk < ", lessOrEqual = "sk <= ", greater = "sk > ", greaterOrEqual = "sk >= "
    }

    /// The shapes of sort-key conditions.
    private enum ConditionShape: Int, CaseIterable {
        case none, equals, lessThan, lessThanOrEqual, greaterThan, greaterThanOrEqual, between, beginsWith

        var clauses: [Clause] {
            switch self {
            case .none: []
            case .equals: [.equal]
            case .lessThan: [.less]
            case .lessThanOrEqual: [.lessOrEqual]
            case .greaterThan: [.greater]
            case .greaterThanOrEqual: [.greaterOrEqual]
            case .between: [.greaterOrEqual, .lessOrEqual]
            case .beginsWith: [.greaterOrEqual, .less]
            }
        }
    }

    /// How many shapes there are: the number of statement slots queries need.
    static let shapeCount = ConditionShape.allCases.count * 4

    /// The slot of this query's shape, in `0..<shapeCount`.
    let shape: Int
    /// UTF-8 bytes bound as TEXT from parameter 5 on.
    let bounds: [[UInt8]]

    init(query: Query, resumesAfter cursor: String?) {
        var bounds: [[UInt8]] = []
        let condition: ConditionShape
        switch query.sortKey {
        case nil:
            condition = .none
        case .equals(let value)?:
            condition = .equals
            bounds = [Array(value.utf8)]
        case .lessThan(let value)?:
            condition = .lessThan
            bounds = [Array(value.utf8)]
        case .lessThanOrEqual(let value)?:
            condition = .lessThanOrEqual
            bounds = [Array(value.utf8)]
        case .greaterThan(let value)?:
            condition = .greaterThan
            bounds = [Array(value.utf8)]
        case .greaterThanOrEqual(let value)?:
            condition = .greaterThanOrEqual
            bounds = [Array(value.utf8)]
        case .between(let low, let high)?:
            condition = .between
            bounds = [Array(low.utf8), Array(high.utf8)]
        case .beginsWith(let prefix)?:
            let bytes = Array(prefix.utf8)
            if bytes.isEmpty {
                condition = .none
            } else {
                condition = .beginsWith
                // The smallest text above every text with this prefix: the prefix with its
                // last byte raised by one. UTF-8 never holds 0xFF, so the byte cannot overflow.
                bounds = [bytes, bytes.dropLast() + [bytes[bytes.count - 1] + 1]]
            }
        }
        if let cursor { bounds.append(Array(cursor.utf8)) }
        shape = condition.rawValue * 4 + (query.ascending ? 2 : 0) + (cursor == nil ? 0 : 1)
        self.bounds = bounds
    }

    /// The statement text of a shape: parameters ?1 table, ?2 partition, ?3 now, ?4 row limit,
    /// then the bounds from ?5.
    static func sql(shape: Int) -> String {
        let ascending = shape & 2 != 0
        var clauses = ConditionShape(rawValue: shape / 4)!.clauses
        if shape & 1 != 0 { clauses.append(ascending ? .greater : .less) }
        let filter = clauses.enumerated().map { " AND \($0.element.rawValue)?\(5 + $0.offset)" }.joined()
        return """
            SELECT sk, body FROM quiz_items WHERE table_name = ?1 AND pk = ?2 \
            AND (expires_at IS NULL OR expires_at >= ?3)\(filter) ORDER BY sk \(ascending ? "ASC" : "DESC") LIMIT ?4
            """
    }
}
