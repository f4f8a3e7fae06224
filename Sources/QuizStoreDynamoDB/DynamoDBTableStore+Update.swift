import QuizStore
import StrictJSON

extension DynamoDBTableStore {
    /// Applies the actions with one `UpdateItem`, which creates the item when it is absent, and
    /// returns the item as written
    /// ([UpdateItem](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html)).
    ///
    /// Additions of integers carry guards (see ``AdditionGuard``); an item that would grow past
    /// 400 KB is refused by DynamoDB with a ValidationException that maps to `itemTooLarge`.
    @discardableResult
    public func update(
        _ key: Key, in table: TableSchema, _ actions: [UpdateAction], if condition: Condition?
    ) async throws(TableError) -> Item {
        try table.validate(key)
        let name = configuration.tableName(of: table)
        var request: [String: JSONValue] = [
            "TableName": .string(name), "Key": DynamoDBJSON.encode(key, in: table),
            // The item as written, so callers need no second read
            // (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html#DDB-UpdateItem-request-ReturnValues).
            "ReturnValues": .string("ALL_NEW"),
        ]
        var builder = ExpressionBuilder()
        if let expression = try builder.update(actions, in: table) {
            request["UpdateExpression"] = .string(expression)
        }
        let guards = AdditionGuard.conditions(for: actions)
        try Self.add(AdditionGuard.combined(condition, guards), in: table, with: &builder, to: &request)
        builder.addAttributeMaps(to: &request)

        let response: JSONValue
        do throws(TableError) {
            response = try await transport.send("UpdateItem", request, table: name)
        } catch where error.code == .conditionFailed && !guards.isEmpty {
            throw AdditionGuard.explain(error, condition: condition, actions: actions, key: key, table: table) ?? error
        }
        // An update always leaves an item with at least its key, so ALL_NEW always has attributes.
        return try response["Attributes"].map(Self.item) ?? Item(table.attributes(of: key))
    }
}

// MARK: - 64-bit additions

/// Keeps `ADD` within the table layer's 64-bit integers.
///
/// DynamoDB's numbers hold 38 significant digits
/// ([data types](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html#HowItWorks.DataTypes.Number)),
/// so `ADD n :1` on `9223372036854775807` stores `9223372036854775808`, which ``Number`` could
/// only read back as an inexact double. The SQLite backend refuses such an addition with a
/// validation error; to do the same atomically, an update that adds an integer also carries a
/// guard condition per added attribute: absent, or far enough from the bound that the sum fits.
///
/// A guard that fails looks like any failed condition (`ConditionalCheckFailedException` with
/// the item), so ``explain(_:condition:actions:key:table:)`` tells the two apart with the item
/// DynamoDB returned: when the caller's own condition holds on it, a guard failed, and applying
/// the actions to it locally yields the validation error the SQLite backend would throw.
enum AdditionGuard {
    /// One guard per `add` of a non-zero integer: `attribute_not_exists(n) OR n <= max - delta`
    /// for a positive delta, `… OR n >= min - delta` for a negative one. A value of another type
    /// fails the comparison too, which is right: adding to it is refused anyway.
    static func conditions(for actions: [UpdateAction]) -> [Condition] {
        actions.compactMap { action in
            guard case .add(let name, let delta) = action, let step = delta.intValue, step != 0 else { return nil }
            let bound = step > 0 ? Int64.max - step : Int64.min - step
            return .or([.attributeNotExists(name), .compare(name, step > 0 ? .lessThanOrEqual : .greaterThanOrEqual, .int(bound))])
        }
    }

    /// The caller's condition and the guards, all of which must hold; `nil` when there is neither.
    static func combined(_ condition: Condition?, _ guards: [Condition]) -> Condition? {
        guard !guards.isEmpty else { return condition }
        return .and((condition.map { [$0] } ?? []) + guards)
    }

    /// The error to report instead of `failure`, a failed condition of an update that carried
    /// guards, or `nil` when the caller's own condition failed and `failure` stands.
    static func explain(
        _ failure: TableError, condition: Condition?, actions: [UpdateAction], key: Key, table: TableSchema
    ) -> TableError? {
        explain(current: failure.currentItem, condition: condition, actions: actions, key: key, table: table)
    }

    /// The error a guard's failure stands for, given the item as it was (`nil` when absent);
    /// `nil` when the caller's condition does not hold on it, so its failure is the caller's.
    static func explain(
        current: Item?, condition: Condition?, actions: [UpdateAction], key: Key, table: TableSchema
    ) -> TableError? {
        guard condition?.isSatisfied(by: current) ?? true else { return nil }
        do {
            _ = try UpdateAction.apply(actions, to: current, key: key, schema: table)
        } catch {
            return error
        }
        // The guard compared a number beyond 64 bits that Number holds as a double, so the
        // local sum succeeded: still refused, as the stored value is outside the checked range.
        return .validation("an added attribute holds a number outside the 64-bit range of exact additions")
    }
}
