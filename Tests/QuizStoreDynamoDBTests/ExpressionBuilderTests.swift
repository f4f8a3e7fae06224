import QuizStore
import QuizStoreDynamoDB
import StrictJSON
import Testing

@Suite struct ExpressionBuilderTests {
    static let table = TableSchema(name: "sessions", partitionKey: "pk", sortKey: "sk", ttlAttribute: "expiresAt")

    struct ConditionCase: Sendable, CustomTestStringConvertible {
        var condition: Condition
        var expression: String
        var names: [String: String]
        var values: [String: AttributeValue] = [:]
        var testDescription: String { expression }
    }

    static let conditions: [ConditionCase] = [
        .init(condition: .itemExists, expression: "attribute_exists(#n0)", names: ["#n0": "pk"]),
        .init(condition: .itemNotExists, expression: "attribute_not_exists(#n0)", names: ["#n0": "pk"]),
        .init(condition: .attributeExists("score"), expression: "attribute_exists(#n0)", names: ["#n0": "score"]),
        .init(condition: .attributeNotExists("score"), expression: "attribute_not_exists(#n0)", names: ["#n0": "score"]),
        .init(condition: .version(3), expression: "#n0 = :v0", names: ["#n0": "version"], values: [":v0": 3]),
        .init(condition: .compare("n", .notEqual, "x"), expression: "#n0 <> :v0", names: ["#n0": "n"], values: [":v0": "x"]),
        .init(condition: .compare("n", .lessThanOrEqual, 2.5), expression: "#n0 <= :v0", names: ["#n0": "n"], values: [":v0": 2.5]),
        .init(condition: .compare("n", .greaterThan, 1), expression: "#n0 > :v0", names: ["#n0": "n"], values: [":v0": 1]),
        .init(condition: .compare("n", .greaterThanOrEqual, 1), expression: "#n0 >= :v0", names: ["#n0": "n"], values: [":v0": 1]),
        .init(
            condition: .beginsWith("email", "ann@"), expression: "begins_with(#n0, :v0)", names: ["#n0": "email"],
            values: [":v0": "ann@"]
        ),
        .init(
            condition: .absentOrExpired(ttlAttribute: "expiresAt", now: 1_700_000_000),
            expression: "(attribute_not_exists(#n0) OR #n1 < :v0)", names: ["#n0": "pk", "#n1": "expiresAt"],
            values: [":v0": 1_700_000_000]
        ),
        .init(
            condition: .attributeExists("a") && .compare("a", .equal, 1) && !.beginsWith("b", "p"),
            expression: "((attribute_exists(#n0) AND #n0 = :v0) AND (NOT begins_with(#n1, :v1)))",
            names: ["#n0": "a", "#n1": "b"], values: [":v0": 1, ":v1": "p"]
        ),
        .init(condition: .and([.itemExists]), expression: "attribute_exists(#n0)", names: ["#n0": "pk"]),
        .init(condition: .and([]), expression: "(attribute_exists(#n0) OR attribute_not_exists(#n0))", names: ["#n0": "pk"]),
        .init(condition: .or([]), expression: "(attribute_exists(#n0) AND attribute_not_exists(#n0))", names: ["#n0": "pk"]),
        .init(condition: .not(.and([])), expression: "(NOT (attribute_exists(#n0) OR attribute_not_exists(#n0)))", names: ["#n0": "pk"]),
    ]

    @Test(arguments: conditions)
    func buildsConditionExpressions(_ testCase: ConditionCase) throws {
        var builder = ExpressionBuilder()
        #expect(try builder.condition(testCase.condition, in: Self.table) == testCase.expression)
        #expect(builder.attributeNames == testCase.names)
        #expect(builder.attributeValues == testCase.values)
    }

    @Test func neverSplicesCallerDataIntoTheExpression() throws {
        var builder = ExpressionBuilder()
        let hostile = "a) OR attribute_exists(b"
        let expression = try builder.condition(.compare(hostile, .equal, .string(":v9 OR 1=1")), in: Self.table)
        #expect(expression == "#n0 = :v0")
        #expect(builder.attributeNames == ["#n0": hostile])
        #expect(builder.attributeValues == [":v0": .string(":v9 OR 1=1")])
    }

    @Test func refusesAnEmptyAttributeName() throws {
        var builder = ExpressionBuilder()
        let error = try #require(throws: TableError.self) { try builder.condition(.attributeExists(""), in: Self.table) }
        #expect(error.code == .validation && error.message == "an expression names an empty attribute")
    }

    // MARK: - Updates

    @Test func groupsActionsIntoOneClausePerKind() throws {
        var builder = ExpressionBuilder()
        let expression = try builder.update(
            [.remove("old"), .set("name", "Ann"), .add("count", 2), .setIfNotExists("created", 5), .remove("older")],
            in: Self.table
        )
        #expect(expression == "SET #n0 = :v0, #n1 = if_not_exists(#n1, :v1) REMOVE #n2, #n3 ADD #n4 :v2")
        #expect(builder.attributeNames == ["#n0": "name", "#n1": "created", "#n2": "old", "#n3": "older", "#n4": "count"])
        #expect(builder.attributeValues == [":v0": "Ann", ":v1": 5, ":v2": 2])
    }

    @Test(arguments: [
        ([UpdateAction.set("a", 1)], "SET #n0 = :v0"),
        ([.remove("a")], "REMOVE #n0"),
        ([.add("a", -1)], "ADD #n0 :v0"),
        ([.setIfNotExists("a", [])], "SET #n0 = if_not_exists(#n0, :v0)"),
    ])
    func buildsSingleActions(actions: [UpdateAction], expression: String) throws {
        var builder = ExpressionBuilder()
        #expect(try builder.update(actions, in: Self.table) == expression)
    }

    @Test func noActionsMeanNoExpression() throws {
        var builder = ExpressionBuilder()
        #expect(try builder.update([], in: Self.table) == nil)
        #expect(builder.attributeNames.isEmpty && builder.attributeValues.isEmpty)
    }

    @Test(arguments: [
        ([UpdateAction.set("sk", "x")], "cannot update key attribute 'sk'"),
        ([.remove("pk")], "cannot update key attribute 'pk'"),
        ([.set("a", 1), .add("a", 1)], "two actions of one update change attribute 'a'"),
        ([.remove("")], "an update names an empty attribute"),
    ])
    func refusesWhatApplyRefuses(actions: [UpdateAction], message: String) throws {
        var builder = ExpressionBuilder()
        let error = try #require(throws: TableError.self) { try builder.update(actions, in: Self.table) }
        #expect(error.code == .validation)
        #expect(error.message == message)
        // The same refusal, word for word, as the table layer's own check.
        let applied = try #require(throws: TableError.self) {
            try UpdateAction.apply(actions, to: nil, key: Key("p", "s"), schema: Self.table)
        }
        #expect(applied.message == message)
    }

    @Test func conditionAndUpdateShareOneSetOfPlaceholders() throws {
        var builder = ExpressionBuilder()
        let condition = try builder.condition(.version(3) && .itemExists, in: Self.table)
        let update = try builder.update([.set("version", 4), .set("score", 10)], in: Self.table)
        #expect(condition == "(#n0 = :v0 AND attribute_exists(#n1))")
        #expect(update == "SET #n0 = :v1, #n2 = :v2")
        var request: [String: JSONValue] = ["TableName": .string("sessions")]
        builder.addAttributeMaps(to: &request)
        #expect(JSONValue.object(JSONObject(request)).jsonText == #"""
            {"ExpressionAttributeNames":{"#n0":"version","#n1":"pk","#n2":"score"},\#
            "ExpressionAttributeValues":{":v0":{"N":"3"},":v1":{"N":"4"},":v2":{"N":"10"}},"TableName":"sessions"}
            """#)
    }

    @Test func addsNoEmptyMaps() throws {
        var builder = ExpressionBuilder()
        _ = try builder.condition(.itemNotExists, in: Self.table)
        var request: [String: JSONValue] = [:]
        builder.addAttributeMaps(to: &request)
        #expect(request.keys.sorted() == ["ExpressionAttributeNames"])
        request = [:]
        ExpressionBuilder().addAttributeMaps(to: &request)
        #expect(request.isEmpty)
    }

    // MARK: - Key conditions

    @Test(arguments: [
        (SortKeyCondition?.none, "#n0 = :v0", [":v0": AttributeValue.string("user#1")]),
        (.equals("a"), "#n0 = :v0 AND #n1 = :v1", [":v0": "user#1", ":v1": "a"]),
        (.lessThan("a"), "#n0 = :v0 AND #n1 < :v1", [":v0": "user#1", ":v1": "a"]),
        (.lessThanOrEqual("a"), "#n0 = :v0 AND #n1 <= :v1", [":v0": "user#1", ":v1": "a"]),
        (.greaterThan("a"), "#n0 = :v0 AND #n1 > :v1", [":v0": "user#1", ":v1": "a"]),
        (.greaterThanOrEqual("a"), "#n0 = :v0 AND #n1 >= :v1", [":v0": "user#1", ":v1": "a"]),
        (.beginsWith("q#"), "#n0 = :v0 AND begins_with(#n1, :v1)", [":v0": "user#1", ":v1": "q#"]),
        (.between("a", "m"), "#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2", [":v0": "user#1", ":v1": "a", ":v2": "m"]),
        (.beginsWith(""), "#n0 = :v0", [":v0": "user#1"]),
    ])
    func buildsKeyConditions(sortKey: SortKeyCondition?, expression: String, values: [String: AttributeValue]) throws {
        var builder = ExpressionBuilder()
        #expect(try builder.keyCondition(for: Query(Self.table, partition: "user#1", sortKey: sortKey)) == expression)
        #expect(builder.attributeValues == values)
        #expect(builder.attributeNames == (values.count == 1 ? ["#n0": "pk"] : ["#n0": "pk", "#n1": "sk"]))
    }

    @Test func refusesASortKeyConditionOnATableWithoutSortKey() throws {
        var builder = ExpressionBuilder()
        let table = TableSchema(name: "flags", partitionKey: "id", sortKey: nil)
        let error = try #require(throws: TableError.self) {
            try builder.keyCondition(for: Query(table, partition: "x", sortKey: .equals("y")))
        }
        #expect(error.code == .validation && error.message == "table 'flags' has no sort key")
        #expect(builder.attributeNames.isEmpty)
    }
}
