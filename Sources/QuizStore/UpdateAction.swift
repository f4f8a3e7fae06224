/// One change an update makes to an item: the typed form of a DynamoDB update expression
/// ([update expressions](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html)).
public enum UpdateAction: Sendable, Hashable {
    /// `SET name = value`.
    case set(String, AttributeValue)
    /// `SET name = if_not_exists(name, value)`: sets the attribute only when the item lacks it.
    case setIfNotExists(String, AttributeValue)
    /// `REMOVE name`.
    case remove(String)
    /// `ADD name delta`: atomic numeric addition, a missing attribute counting as 0.
    case add(String, Number)

    /// The attribute this action changes.
    public var attribute: String {
        switch self {
        case .set(let name, _), .setIfNotExists(let name, _), .remove(let name), .add(let name, _): name
        }
    }

    /// Applies the actions to an item (`nil` when it does not exist yet, as an update creates
    /// it), leaving key attributes untouched; throws a validation error for an impossible action.
    public static func apply(_ actions: [UpdateAction], to item: Item?, key: Key, schema: TableSchema) throws(TableError) -> Item {
        var result = item ?? Item(schema.attributes(of: key))
        var touched = Set<String>()
        for action in actions {
            let name = action.attribute
            guard !name.isEmpty else { throw .validation("an update names an empty attribute") }
            guard name != schema.partitionKey, name != schema.sortKey else {
                throw .validation("cannot update key attribute '\(name)'")
            }
            guard touched.insert(name).inserted else {
                throw .validation("two actions of one update change attribute '\(name)'")
            }
            switch action {
            case .set(_, let value):
                result[name] = value
            case .setIfNotExists(_, let value):
                if result[name] == nil { result[name] = value }
            case .remove:
                result[name] = nil
            case .add(_, let delta):
                let current: Number
                switch result[name] {
                case nil: current = 0
                case .number(let number)?: current = number
                case _?: throw .validation("cannot add to non-number attribute '\(name)'")
                }
                guard let sum = current.adding(delta) else {
                    throw .validation("adding to attribute '\(name)' overflows")
                }
                result[name] = .number(sum)
            }
        }
        return result
    }
}
