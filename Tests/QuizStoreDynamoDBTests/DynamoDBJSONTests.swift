import QuizStore
import QuizStoreDynamoDB
import StrictJSON
import Testing

/// A DynamoDB answer parsed as the backend parses it.
private func parse(_ text: String) throws -> JSONValue {
    try JSONParser.parse(text, options: DynamoDBJSON.parsing)
}

/// DynamoDB's answers go through the one JSON parser (its own tests are StrictJSONTests) with
/// the backend's options: repeated names refused, nesting bounded.
@Suite struct DynamoDBParsingTests {
    @Test func refusesRepeatedNamesAndDeepNesting() {
        #expect(throws: JSONParseError(.duplicateName, at: 7)) { try JSONParser.parse(#"{"a":1,"a":2}"#, options: DynamoDBJSON.parsing) }
        let tooDeep = String(repeating: "[", count: 161) + String(repeating: "]", count: 161)
        #expect(throws: JSONParseError(.tooDeep, at: 160)) { try JSONParser.parse(tooDeep, options: DynamoDBJSON.parsing) }
        #expect(throws: Never.self) { try JSONParser.parse(String(tooDeep.dropFirst().dropLast()), options: DynamoDBJSON.parsing) }
    }

    @Test func aMalformedErrorBodyIsReportedWithoutItsText() {
        let error = DynamoDBError(status: 500, body: Array(#"{"__type": "x", "message": "secret"#.utf8))
        #expect(error.type == "")
        #expect(error.bodyProblem?.contains("secret") == false)
    }
}

@Suite struct DynamoDBJSONTests {
    @Test(arguments: [
        (AttributeValue.string("héllo"), #"{"S":"héllo"}"#),
        (.string(""), #"{"S":""}"#),
        (.int(42), #"{"N":"42"}"#),
        (.double(-1.5), #"{"N":"-1.5"}"#),
        (.binary([0, 1, 2, 253, 254, 255]), #"{"B":"AAEC/f7/"}"#),
        (.binary([0x66]), #"{"B":"Zg=="}"#),
        (.binary([]), #"{"B":""}"#),
        (.bool(true), #"{"BOOL":true}"#),
        (.null, #"{"NULL":true}"#),
        (.list(["a", 1]), #"{"L":[{"S":"a"},{"N":"1"}]}"#),
        (.map(["z": nil, "a": false]), #"{"M":{"a":{"BOOL":false},"z":{"NULL":true}}}"#),
    ])
    func encodesAndDecodesEachType(value: AttributeValue, wire: String) throws {
        #expect(DynamoDBJSON.encode(value).jsonText == wire)
        #expect(try DynamoDBJSON.decodeValue(parse(wire)) == value)
    }

    @Test func decodesNumbersByValue() throws {
        let decoded = try DynamoDBJSON.decodeValue(parse(#"{"N":"3.0"}"#))
        #expect(decoded == .int(3))
        #expect(try DynamoDBJSON.decodeValue(parse(#"{"N":"1e3"}"#)).intValue == 1000)
    }

    @Test func itemRoundTripsThroughWireText() throws {
        let item: Item = [
            "pk": "user#42", "sk": "profile", "score": 17, "ratio": 0.25, "active": true, "avatar": .binary([9, 8, 7]),
            "answers": [["q": "q1", "ok": true], ["q": "q2", "ok": false, "note": nil]], "tags": [],
        ]
        let text = DynamoDBJSON.encode(item).jsonText
        #expect(try DynamoDBJSON.decodeItem(parse(text)) == item)
    }

    @Test func buildsARequestBodyToPost() {
        // The same bytes the botocore vector of SigV4SignerTests signs.
        let table = TableSchema(name: "quiz-sessions")
        let request: JSONValue = .object([
            "TableName": .string(table.name),
            "Key": DynamoDBJSON.encode(Key("user#42", "profile"), in: table),
            "ConsistentRead": .bool(true),
        ])
        #expect(request.jsonText == SigV4SignerTests.getItemBody)
    }

    @Test(arguments: [
        (#"{"SS":["a","b"]}"#, "unsupported DynamoDB type SS: sets are not modelled by the table layer"),
        (#"{"NS":["1"]}"#, "unsupported DynamoDB type NS: sets are not modelled by the table layer"),
        (#"{"BS":["AA=="]}"#, "unsupported DynamoDB type BS: sets are not modelled by the table layer"),
        (#"{"X":"1"}"#, "unknown DynamoDB attribute type"),
        (#"{"N":"twelve"}"#, "N must hold a number as a string"),
        (#"{"N":"NaN"}"#, "N must hold a number as a string"),
        (#"{"N":12}"#, "N must hold a number as a string"),
        (#"{"S":1}"#, "S must hold a string"),
        (#"{"B":"not base64!"}"#, "B must hold standard base64"),
        (#"{"B":"Zg"}"#, "B must hold standard base64"),
        (#"{"BOOL":"true"}"#, "BOOL must hold true or false"),
        (#"{"NULL":false}"#, "NULL must hold true"),
        (#"{"L":{}}"#, "L must hold an array"),
        (#"{"M":[]}"#, "a map of attributes must be an object"),
        (#"{}"#, "an attribute value must be an object with exactly one type member"),
        (#"{"S":"a","N":"1"}"#, "an attribute value must be an object with exactly one type member"),
        (#""plain""#, "an attribute value must be an object with exactly one type member"),
    ])
    func refusesWhatIsNotAnAttributeValue(wire: String, reason: String) throws {
        let json = try parse(wire)
        #expect(throws: DynamoDBJSON.DecodingError(reason)) { try DynamoDBJSON.decodeValue(json) }
    }

    @Test func errorNamesThePathButNeverTheValue() throws {
        let json = try parse(#"{"answers":{"L":[{"S":"a"},{"M":{"when":{"N":"secret-42"}}}]}}"#)
        let error = try #require(throws: DynamoDBJSON.DecodingError.self) { try DynamoDBJSON.decodeItem(json) }
        #expect(error.path == ".answers[1].when")
        #expect(error.description == "N must hold a number as a string (at .answers[1].when)")
    }

    @Test func refusesAnItemThatIsNotAnObject() {
        #expect(throws: DynamoDBJSON.DecodingError("a map of attributes must be an object")) {
            try DynamoDBJSON.decodeItem(.array([]))
        }
    }
}
