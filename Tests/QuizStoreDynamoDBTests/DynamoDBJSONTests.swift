import QuizStore
import QuizStoreDynamoDB
import Testing

@Suite struct JSONValueTests {
    @Test func writesCompactTextWithMembersInByteOrder() {
        let value: JSONValue = .object([
            "b": .integer(1), "a": .array([.bool(true), .bool(false), .null]), "B": .string("x"), "é": .number("-1.5e3"),
        ])
        #expect(value.jsonText == #"{"B":"x","a":[true,false,null],"b":1,"é":-1.5e3}"#)
    }

    @Test func escapesWhatRFC8259Requires() {
        let value = JSONValue.string("q\"b\\s/n\nt\tr\rb\u{08}f\u{0C}c\u{01}\u{1F}é😀")
        #expect(value.jsonText == #""q\"b\\s/n\nt\tr\rb\bf\fc\u0001\u001fé😀""#)
    }

    @Test func parsesEveryKindOfValue() throws {
        let text = #" { "s" : "a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00" , "n" : [0, -1, 1.50e+3, 2E-2], "t": true, "f": false, "z": null, "o": {} , "e": [] } "#
        let value = try JSONValue(parsing: text)
        #expect(value == .object([
            "s": .string("a\"\\/\u{08}\u{0C}\n\r\té😀"),
            "n": .array([.number("0"), .number("-1"), .number("1.50e+3"), .number("2E-2")]),
            "t": .bool(true), "f": .bool(false), "z": .null, "o": .object([:]), "e": .array([]),
        ]))
    }

    @Test func writtenTextParsesBackToTheSameValue() throws {
        let value: JSONValue = .object([
            "text": .string("line\nbreak \u{0} \"quoted\" ☃"), "list": .array([.integer(-7), .object(["k": .null])]),
        ])
        #expect(try JSONValue(parsing: value.jsonBytes) == value)
    }

    @Test(arguments: [
        ("", 0), ("{", 1), ("[1,]", 3), (#"{"a":1,}"#, 7), ("01", 1), ("1.", 0), ("-", 0), ("1e", 0), ("tru", 0),
        (#""abc"#, 0), (#""\x""#, 1), (#""\ud800""#, 1), (#""\udc00""#, 1), (#""\ud800\u0041""#, 1), (#""\u12g4""#, 3),
        ("\"a\u{01}\"", 2), (#"{"a":1,"a":2}"#, 7), ("[1] x", 4), ("{a:1}", 1), ("NaN", 0), ("+1", 0), ("[1 2]", 3),
    ])
    func refusesMalformedText(text: String, offset: Int) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
        do {
            _ = try JSONValue(parsing: text)
        } catch {
            #expect(error.offset == offset)
        }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONParseError("string is not valid UTF-8", at: 0)) { try JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func limitsNestingWithoutExhaustingTheStack() throws {
        let depth = JSONValue.maximumDepth
        let deepest = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: Never.self) { try JSONValue(parsing: deepest) }
        let tooDeep = "[" + deepest + "]"
        #expect(throws: JSONParseError("nesting too deep", at: depth)) { try JSONValue(parsing: tooDeep) }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: String(repeating: "[{\"a\":", count: 100_000)) }
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
        #expect(try DynamoDBJSON.decodeValue(JSONValue(parsing: wire)) == value)
    }

    @Test func decodesNumbersByValue() throws {
        let decoded = try DynamoDBJSON.decodeValue(JSONValue(parsing: #"{"N":"3.0"}"#))
        #expect(decoded == .int(3))
        #expect(try DynamoDBJSON.decodeValue(JSONValue(parsing: #"{"N":"1e3"}"#)).intValue == 1000)
    }

    @Test func itemRoundTripsThroughWireText() throws {
        let item: Item = [
            "pk": "user#42", "sk": "profile", "score": 17, "ratio": 0.25, "active": true, "avatar": .binary([9, 8, 7]),
            "answers": [["q": "q1", "ok": true], ["q": "q2", "ok": false, "note": nil]], "tags": [],
        ]
        let text = DynamoDBJSON.encode(item).jsonBytes
        #expect(try DynamoDBJSON.decodeItem(JSONValue(parsing: text)) == item)
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
        let json = try JSONValue(parsing: wire)
        #expect(throws: DynamoDBJSON.DecodingError(reason)) { try DynamoDBJSON.decodeValue(json) }
    }

    @Test func errorNamesThePathButNeverTheValue() throws {
        let json = try JSONValue(parsing: #"{"answers":{"L":[{"S":"a"},{"M":{"when":{"N":"secret-42"}}}]}}"#)
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
