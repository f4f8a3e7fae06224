import QuizStore
import StrictJSON

extension DynamoDBTableStore {
    /// Writes up to 100 items across tables with one `TransactWriteItems`, all or nothing
    /// ([TransactWriteItems](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html)).
    ///
    /// Every write with a condition asks for the item back when its condition fails, so the
    /// cancellation reasons carry it, as they do on SQLite. Two kinds of reason are refined
    /// after DynamoDB's answer: a `ValidationError` for an item grown past 400 KB becomes
    /// `itemTooLarge`, and a failed 64-bit guard (see ``AdditionGuard``) becomes `validation`.
    /// A `token` travels as `ClientRequestToken`: DynamoDB answers a repeat within ten minutes as
    /// a success without writing again.
    public func transactWrite(_ writes: [TransactionWrite], token: TransactionToken?) async throws(TableError) {
        try WriteValidation.check(writes)
        var transactItems: [JSONValue] = []
        var guards: [[Condition]] = []
        transactItems.reserveCapacity(writes.count)
        for write in writes {
            let (operation, member, writeGuards) = try transactItem(for: write)
            transactItems.append(.object([operation: .object(JSONObject(member))]))
            guards.append(writeGuards)
        }
        do throws(TableError) {
            var request: [String: JSONValue] = ["TransactItems": .array(transactItems)]
            if let token { request["ClientRequestToken"] = .string(token.value) }
            _ = try await transport.send("TransactWriteItems", request)
        } catch where error.code == .transactionCanceled {
            throw Self.refine(error, writes: writes, guards: guards)
        }
    }

    /// The operation name (`Put`, `Update`, `Delete`, `ConditionCheck`), its members, and the
    /// addition guards it carries.
    private func transactItem(for write: TransactionWrite) throws(TableError) -> (String, [String: JSONValue], [Condition]) {
        let table = write.table
        var member: [String: JSONValue] = ["TableName": .string(configuration.tableName(of: table))]
        var builder = ExpressionBuilder()
        var writeGuards: [Condition] = []
        let operation: String
        switch write {
        case .put(let item, _, _):
            try WriteValidation.check(item, for: table)
            member["Item"] = DynamoDBJSON.encode(item)
            operation = "Put"
        case .update(let key, _, let actions, _):
            // Unlike UpdateItem, a transaction's Update requires an UpdateExpression, and there
            // is no expression that changes nothing (a key attribute cannot even be set to itself).
            guard let expression = try builder.update(actions, in: table) else {
                throw .validation("an update in a transaction needs at least one action")
            }
            member["Key"] = DynamoDBJSON.encode(key, in: table)
            member["UpdateExpression"] = .string(expression)
            writeGuards = AdditionGuard.conditions(for: actions)
            operation = "Update"
        case .delete(let key, _, _):
            member["Key"] = DynamoDBJSON.encode(key, in: table)
            operation = "Delete"
        case .conditionCheck(let key, _, _):
            member["Key"] = DynamoDBJSON.encode(key, in: table)
            operation = "ConditionCheck"
        }
        try Self.add(AdditionGuard.combined(write.condition, writeGuards), in: table, with: &builder, to: &member)
        builder.addAttributeMaps(to: &member)
        return (operation, member, writeGuards)
    }

    /// The cancellation with its reasons in the table layer's terms.
    ///
    /// DynamoDB reports an update that would outgrow 400 KB as `ValidationError` with the message
    /// "Item size to update has exceeded the maximum allowed size" (listed under
    /// TransactionCanceledException in the API reference); the table layer has a code of its own
    /// for that. A failed condition on an update with guards is the guard's when the caller's
    /// condition holds on the returned item.
    static func refine(_ error: TableError, writes: [TransactionWrite], guards: [[Condition]]) -> TableError {
        var reasons = error.cancellationReasons
        guard reasons.count == writes.count else { return error }
        for (index, reason) in reasons.enumerated() {
            switch reason.code {
            case .validation where reason.message?.contains("exceeded the maximum allowed size") == true:
                reasons[index] = CancellationReason(code: .itemTooLarge, message: reason.message)
            case .conditionFailed where !guards[index].isEmpty:
                guard case .update(let key, let table, let actions, let condition) = writes[index],
                    let explained = AdditionGuard.explain(
                        current: reason.item, condition: condition, actions: actions, key: key, table: table)
                else { continue }
                reasons[index] = CancellationReason(
                    code: explained.code == .itemTooLarge ? .itemTooLarge : .validation, message: explained.message)
            default:
                continue
            }
        }
        var refined = TableError.transactionCanceled(reasons)
        refined.underlying = error.underlying
        return refined
    }
}
