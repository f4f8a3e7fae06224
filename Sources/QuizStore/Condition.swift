/// A condition on an item, checked atomically with a write: the typed form of a DynamoDB
/// condition expression ([operators and functions](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html)).
///
/// Conditions are values, never strings: backends that speak DynamoDB turn them into
/// expressions with placeholder names and values, so no caller data is spliced into text.
public indirect enum Condition: Sendable, Hashable {
    /// The item exists.
    case itemExists
    /// The item does not exist.
    case itemNotExists
    /// The item has this attribute.
    case attributeExists(String)
    /// The item lacks this attribute.
    case attributeNotExists(String)
    /// The attribute compares to the value as stated. A missing attribute, or one of another
    /// type, satisfies only `notEqual`.
    case compare(String, Comparison, AttributeValue)
    /// The string attribute begins with the prefix.
    case beginsWith(String, String)
    /// Every condition holds.
    case and([Condition])
    /// At least one condition holds.
    case or([Condition])
    /// The condition does not hold.
    case not(Condition)

    /// A comparison operator.
    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        case equal = "="
        case notEqual = "<>"
        case lessThan = "<"
        case lessThanOrEqual = "<="
        case greaterThan = ">"
        case greaterThanOrEqual = ">="
    }

    /// The attribute equals the value.
    public static func equals(_ name: String, _ value: AttributeValue) -> Condition {
        .compare(name, .equal, value)
    }

    /// The optimistic-locking check: the item exists and its version attribute is `version`.
    public static func version(_ version: Int64, attribute: String = "version") -> Condition {
        .compare(attribute, .equal, .int(version))
    }

    /// The item is absent, or its TTL attribute says it has expired at `now` (epoch seconds).
    /// DynamoDB deletes expired items only eventually, so a write that treats an expired item
    /// as gone must say so.
    public static func absentOrExpired(ttlAttribute: String, now: Int64) -> Condition {
        .or([.itemNotExists, .compare(ttlAttribute, .lessThan, .int(now))])
    }

    /// Both conditions hold.
    public static func && (lhs: Condition, rhs: Condition) -> Condition { .and([lhs, rhs]) }

    /// Either condition holds.
    public static func || (lhs: Condition, rhs: Condition) -> Condition { .or([lhs, rhs]) }

    /// The condition does not hold.
    public static prefix func ! (condition: Condition) -> Condition { .not(condition) }

    /// The attributes the condition reads (existence aside), so a backend can decode only those.
    public var attributeNames: Set<String> {
        switch self {
        case .itemExists, .itemNotExists: []
        case .attributeExists(let name), .attributeNotExists(let name), .compare(let name, _, _), .beginsWith(let name, _): [name]
        case .and(let conditions), .or(let conditions): conditions.reduce(into: Set()) { $0.formUnion($1.attributeNames) }
        case .not(let condition): condition.attributeNames
        }
    }

    /// Evaluates the condition against an item as DynamoDB does; `nil` means the item does not exist.
    public func isSatisfied(by item: Item?) -> Bool {
        switch self {
        case .itemExists:
            return item != nil
        case .itemNotExists:
            return item == nil
        case .attributeExists(let name):
            return item?[name] != nil
        case .attributeNotExists(let name):
            return item?[name] == nil
        case .compare(let name, let comparison, let expected):
            guard let actual = item?[name] else { return comparison == .notEqual }
            switch comparison {
            case .equal: return actual == expected
            case .notEqual: return actual != expected
            default:
                guard let order = actual.compare(to: expected) else { return false }
                switch comparison {
                case .lessThan: return order == .ascending
                case .lessThanOrEqual: return order != .descending
                case .greaterThan: return order == .descending
                case .greaterThanOrEqual: return order != .ascending
                case .equal, .notEqual: return false
                }
            }
        case .beginsWith(let name, let prefix):
            guard let text = item?.string(name) else { return false }
            return text.utf8.starts(with: prefix.utf8)
        case .and(let conditions):
            return conditions.allSatisfy { $0.isSatisfied(by: item) }
        case .or(let conditions):
            return conditions.contains { $0.isSatisfied(by: item) }
        case .not(let condition):
            return !condition.isSatisfied(by: item)
        }
    }
}
