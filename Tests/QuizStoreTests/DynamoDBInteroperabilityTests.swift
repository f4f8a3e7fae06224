import QuizStore
import QuizStoreDynamoDB
import QuizTestSupport
import Testing

/// Items cross between this backend and boto3, the AWS SDK for Python, through one moto server:
/// what one writes, the other reads value for value, in every attribute type.
@Suite("DynamoDB interoperability with boto3")
struct DynamoDBInteroperabilityTests {
    /// An item with every attribute type the table layer has.
    static let ours = item("user#1", "profile", [
        "name": "Zoë ✓", "count": 42, "ratio": 0.25, "big": .int(Int64.max), "negative": -7,
        "raw": .binary([0, 1, 255]), "empty": .binary([]), "flag": true, "off": false, "nothing": .null,
        "list": [1, "two", [3.5]], "map": ["nested": ["deep": false], "n": 1], "blank": "",
    ])

    /// Reads `ours` with boto3 and compares it, deserialised to Python values, with the same
    /// item written out by hand; prints `match`, or what boto3 read.
    static let readWithBoto = #"""
        import boto3, os, sys
        from decimal import Decimal
        from boto3.dynamodb.types import Binary, TypeDeserializer
        client = boto3.client("dynamodb", endpoint_url=os.environ["MOTO_ENDPOINT"])
        raw = client.get_item(TableName=sys.argv[1], Key={"pk": {"S": "user#1"}, "sk": {"S": "profile"}},
                              ConsistentRead=True)["Item"]
        item = {name: TypeDeserializer().deserialize(value) for name, value in raw.items()}
        expected = {
            "pk": "user#1", "sk": "profile", "name": "Zo\u00eb \u2713", "count": Decimal("42"),
            "ratio": Decimal("0.25"), "big": Decimal("9223372036854775807"), "negative": Decimal("-7"),
            "raw": Binary(b"\x00\x01\xff"), "empty": Binary(b""), "flag": True, "off": False, "nothing": None,
            "list": [Decimal("1"), "two", [Decimal("3.5")]], "map": {"nested": {"deep": False}, "n": Decimal("1")},
            "blank": "",
        }
        # Types too: a bool must not arrive as a number, nor null as anything but NULL.
        types = {name: next(iter(value)) for name, value in raw.items()}
        expected_types = {"pk": "S", "sk": "S", "name": "S", "count": "N", "ratio": "N", "big": "N", "negative": "N",
                          "raw": "B", "empty": "B", "flag": "BOOL", "off": "BOOL", "nothing": "NULL", "list": "L",
                          "map": "M", "blank": "S"}
        print("match" if item == expected and types == expected_types else f"read {item!r} typed {types!r}")
        """#

    /// Writes an item of every type with boto3's low-level client.
    static let writeWithBoto = #"""
        import boto3, os, sys
        client = boto3.client("dynamodb", endpoint_url=os.environ["MOTO_ENDPOINT"])
        client.put_item(TableName=sys.argv[1], Item={
            "pk": {"S": "boto#1"}, "sk": {"S": "item"}, "text": {"S": "h\u00e9llo \u2713 \U0001F600"},
            "int": {"N": "-12"}, "decimal": {"N": "3.75"}, "max": {"N": "9223372036854775807"},
            "exponent": {"N": "1E+3"}, "bytes": {"B": b"\x00\xfe\xff"}, "yes": {"BOOL": True}, "no": {"BOOL": False},
            "null": {"NULL": True}, "list": {"L": [{"N": "1"}, {"S": "x"}, {"L": []}]},
            "map": {"M": {"inner": {"M": {"k": {"S": "v"}}}, "empty": {"M": {}}}}, "blank": {"S": ""},
        })
        client.put_item(TableName=sys.argv[1], Item={"pk": {"S": "boto#1"}, "sk": {"S": "set"}, "tags": {"SS": ["a", "b"]}})
        print("written")
        """#

    @Test("boto3 reads what this backend wrote, in every type")
    func botoReadsOurs() async throws {
        let server = try MotoServer.shared()
        let configuration = server.configuration(prefix: MotoServer.uniquePrefix())
        let store = try DynamoDBTableStore(configuration: configuration)
        try await store.createTables([Tables.main])
        try await store.put(Self.ours, into: Tables.main)
        let result = try server.runPython(Self.readWithBoto, [configuration.tableName(of: Tables.main)])
        #expect(result.status == 0)
        #expect(result.output == "match")
    }

    @Test("this backend reads what boto3 wrote, in every type, and refuses sets it cannot model")
    func weReadBotos() async throws {
        let server = try MotoServer.shared()
        let configuration = server.configuration(prefix: MotoServer.uniquePrefix())
        let store = try DynamoDBTableStore(configuration: configuration)
        try await store.createTables([Tables.main])
        let result = try server.runPython(Self.writeWithBoto, [configuration.tableName(of: Tables.main)])
        try #require(result.status == 0, "boto3 failed: \(result.output)")
        #expect(result.output == "written")

        let expected = item("boto#1", "item", [
            "text": "héllo ✓ 😀", "int": -12, "decimal": 3.75, "max": .int(Int64.max), "exponent": 1000,
            "bytes": .binary([0, 0xFE, 0xFF]), "yes": true, "no": false, "null": .null, "list": [1, "x", []],
            "map": ["inner": ["k": "v"], "empty": [:]], "blank": "",
        ])
        let read = try #require(try await store.get(Key("boto#1", "item"), from: Tables.main))
        #expect(read == expected)
        #expect(read.int("max") == Int64.max)
        // A string set has no AttributeValue; reading it fails loudly rather than turning it into a list.
        let set = await tableError { _ = try await store.get(Key("boto#1", "set"), from: Tables.main) }
        #expect(set?.code == .backendFailure)
    }
}
