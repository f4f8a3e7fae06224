import QuizStore
import StrictJSON

/// Builds DynamoDB expressions from the typed ``Condition``, ``UpdateAction`` and
/// ``SortKeyCondition``, with placeholders only: every attribute name becomes `#n0`, `#n1`, …
/// and every value `:v0`, `:v1`, …, so no caller data is ever spliced into expression text and
/// reserved words cannot clash
/// ([expression attribute names](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ExpressionAttributeNames.html),
/// [values](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ExpressionAttributeValues.html)).
///
/// Use one builder per request: a condition and an update expression built with the same
/// builder share its counters, and its two maps hold exactly the placeholders the expressions
/// use (DynamoDB refuses a request whose maps have unused entries).
public struct ExpressionBuilder: Sendable {
    /// `ExpressionAttributeNames`: placeholder to attribute name.
    public private(set) var attributeNames: [String: String] = [:]
    /// `ExpressionAttributeValues`: placeholder to value.
    public private(set) var attributeValues: [String: AttributeValue] = [:]
    /// Attribute name to its placeholder, so a name used twice gets one placeholder.
    private var namePlaceholders: [String: String] = [:]

    /// An empty builder.
    public init() {}

    // MARK: - Placeholders

    /// The placeholder of an attribute name (`#n0`), the same one each time the name recurs.
    public mutating func name(_ attribute: String) throws(TableError) -> String {
        guard !attribute.isEmpty else { throw .validation("an expression names an empty attribute") }
        if let placeholder = namePlaceholders[attribute] { return placeholder }
        let placeholder = "#n\(attributeNames.count)"
        namePlaceholders[attribute] = placeholder
        attributeNames[placeholder] = attribute
        return placeholder
    }

    /// A new placeholder for a value (`:v0`).
    public mutating func value(_ value: AttributeValue) -> String {
        let placeholder = ":v\(attributeValues.count)"
        attributeValues[placeholder] = value
        return placeholder
    }

    /// Adds `ExpressionAttributeNames` and `ExpressionAttributeValues` to a request's members,
    /// each only when it is not empty, as DynamoDB refuses empty maps.
    public func addAttributeMaps(to request: inout [String: JSONValue]) {
        if !attributeNames.isEmpty {
            request["ExpressionAttributeNames"] = .object(JSONObject(attributeNames.mapValues(JSONValue.string)))
        }
        if !attributeValues.isEmpty {
            request["ExpressionAttributeValues"] = DynamoDBJSON.encode(attributeValues)
        }
    }

    // MARK: - Conditions

    /// A `ConditionExpression`
    /// ([syntax](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html)).
    ///
    /// The item's existence is the existence of its partition key attribute, which every item
    /// has. DynamoDB has no literal true or false, so an empty `.and([])`, which holds, becomes
    /// `(attribute_exists(#pk) OR attribute_not_exists(#pk))`, and an empty `.or([])`, which does
    /// not, `(attribute_exists(#pk) AND attribute_not_exists(#pk))`, as ``Condition/isSatisfied(by:)``
    /// evaluates them. Compound conditions are parenthesised, so the text never relies on
    /// DynamoDB's precedence of `NOT` over `AND` over `OR`.
    public mutating func condition(_ condition: Condition, in table: TableSchema) throws(TableError) -> String {
        switch condition {
        case .itemExists:
            return "attribute_exists(\(try name(table.partitionKey)))"
        case .itemNotExists:
            return "attribute_not_exists(\(try name(table.partitionKey)))"
        case .attributeExists(let attribute):
            return "attribute_exists(\(try name(attribute)))"
        case .attributeNotExists(let attribute):
            return "attribute_not_exists(\(try name(attribute)))"
        case .compare(let attribute, let comparison, let operand):
            return "\(try name(attribute)) \(comparison.rawValue) \(value(operand))"
        case .beginsWith(let attribute, let prefix):
            return "begins_with(\(try name(attribute)), \(value(.string(prefix))))"
        case .and(let conditions):
            return try junction(conditions, with: "AND", emptyMeaning: true, in: table)
        case .or(let conditions):
            return try junction(conditions, with: "OR", emptyMeaning: false, in: table)
        case .not(let inner):
            return "(NOT \(try self.condition(inner, in: table)))"
        }
    }

    private mutating func junction(
        _ conditions: [Condition], with keyword: String, emptyMeaning: Bool, in table: TableSchema
    ) throws(TableError) -> String {
        guard !conditions.isEmpty else {
            let key = try name(table.partitionKey)
            return "(attribute_exists(\(key)) \(emptyMeaning ? "OR" : "AND") attribute_not_exists(\(key)))"
        }
        if conditions.count == 1 { return try condition(conditions[0], in: table) }
        var parts: [String] = []
        parts.reserveCapacity(conditions.count)
        for condition in conditions { parts.append(try self.condition(condition, in: table)) }
        return "(" + parts.joined(separator: " \(keyword) ") + ")"
    }

    // MARK: - Updates

    /// An `UpdateExpression` with one clause per kind of action, in the order `SET`, `REMOVE`,
    /// `ADD` ([update expressions](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html));
    /// `nil` for no actions, as an `UpdateItem` without an expression only makes sure the item exists.
    ///
    /// Refuses what ``UpdateAction/apply(_:to:key:schema:)`` refuses before DynamoDB does, with
    /// the same messages: an empty name, a key attribute, two actions on one attribute.
    public mutating func update(_ actions: [UpdateAction], in table: TableSchema) throws(TableError) -> String? {
        var touched = Set<String>()
        for action in actions {
            let attribute = action.attribute
            guard !attribute.isEmpty else { throw .validation("an update names an empty attribute") }
            guard attribute != table.partitionKey, attribute != table.sortKey else {
                throw .validation("cannot update key attribute '\(attribute)'")
            }
            guard touched.insert(attribute).inserted else {
                throw .validation("two actions of one update change attribute '\(attribute)'")
            }
        }
        var sets: [String] = []
        var removes: [String] = []
        var adds: [String] = []
        // One pass per clause, so placeholders number in the order they appear in the text.
        for action in actions {
            switch action {
            case .set(let attribute, let operand):
                sets.append("\(try name(attribute)) = \(value(operand))")
            case .setIfNotExists(let attribute, let operand):
                let placeholder = try name(attribute)
                sets.append("\(placeholder) = if_not_exists(\(placeholder), \(value(operand)))")
            case .remove, .add:
                continue
            }
        }
        for case .remove(let attribute) in actions {
            removes.append(try name(attribute))
        }
        for case .add(let attribute, let delta) in actions {
            adds.append("\(try name(attribute)) \(value(.number(delta)))")
        }
        var clauses: [String] = []
        if !sets.isEmpty { clauses.append("SET " + sets.joined(separator: ", ")) }
        if !removes.isEmpty { clauses.append("REMOVE " + removes.joined(separator: ", ")) }
        if !adds.isEmpty { clauses.append("ADD " + adds.joined(separator: ", ")) }
        return clauses.isEmpty ? nil : clauses.joined(separator: " ")
    }

    // MARK: - Key conditions

    /// The `KeyConditionExpression` of a query: the partition key's equality, and the sort key
    /// condition when there is one
    /// ([key condition expressions](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.KeyConditionExpressions.html)).
    ///
    /// An empty `beginsWith` prefix matches every sort key, so it adds no sort key condition:
    /// DynamoDB refuses an empty string as a key attribute's value.
    public mutating func keyCondition(for query: Query) throws(TableError) -> String {
        try query.validate()
        let partition = "\(try name(query.table.partitionKey)) = \(value(.string(query.partition)))"
        guard let condition = query.sortKey, let sortKey = query.table.sortKey, condition != .beginsWith("") else {
            return partition
        }
        let sort = try name(sortKey)
        let sortCondition: String
        switch condition {
        case .equals(let bound): sortCondition = "\(sort) = \(value(.string(bound)))"
        case .lessThan(let bound): sortCondition = "\(sort) < \(value(.string(bound)))"
        case .lessThanOrEqual(let bound): sortCondition = "\(sort) <= \(value(.string(bound)))"
        case .greaterThan(let bound): sortCondition = "\(sort) > \(value(.string(bound)))"
        case .greaterThanOrEqual(let bound): sortCondition = "\(sort) >= \(value(.string(bound)))"
        case .beginsWith(let prefix): sortCondition = "begins_with(\(sort), \(value(.string(prefix))))"
        case .between(let low, let high):
            sortCondition = "\(sort) BETWEEN \(value(.string(low))) AND \(value(.string(high)))"
        }
        return partition + " AND " + sortCondition
    }
}
