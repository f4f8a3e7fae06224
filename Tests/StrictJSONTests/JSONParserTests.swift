import StrictJSON
import Testing

/// The parser on its own: values, escapes, options, and where it refuses.
@Suite struct JSONParserTests {
    private func parse(_ text: String, _ options: JSONParser.Options = JSONParser.Options()) throws(JSONParseError) -> JSONValue {
        try JSONParser.parse(text, options: options)
    }

    /// Where and why `text` is refused, as an editor would show it.
    private func failure(_ text: String, _ options: JSONParser.Options = JSONParser.Options()) -> (position: TextPosition, reason: String)? {
        var text = text
        return text.withUTF8 { bytes -> (position: TextPosition, reason: String)? in
            do throws(JSONParseError) {
                _ = try JSONParser.parse(bytes, options: options)
                return nil
            } catch {
                return (error.position(in: bytes), error.reason)
            }
        }
    }

    @Test func valuesAndNesting() throws {
        let text = #" {"a": [1, -0.5, 2e10, 3E-2, 0, -12.75e+3], "b": {"c": null, "d": true, "e": false}, "": "", "a2": []} "#
        let expected: JSONValue = .object([
            "a": .array(["1", "-0.5", "2e10", "3E-2", "0", "-12.75e+3"].map(JSONValue.number)),
            "b": .object(["c": .null, "d": .bool(true), "e": .bool(false)]),
            "": .string(""), "a2": .array([]),
        ])
        #expect(try parse(text) == expected)
        #expect(try parse("\r\n[\t1\r\n,\n2 ]\n") == .array([.number("1"), .number("2")]))
        #expect(try parse("\"just a string\"") == .string("just a string"))
    }

    @Test func objectsKeepTheirOrderAndCompareWithoutIt() throws {
        let value = try parse(#"{"b": 1, "a": 2, "c": 3}"#)
        #expect(value.objectValue?.map(\.name) == ["b", "a", "c"])
        #expect(value == .object(["a": .integer(2), "c": .integer(3), "b": .integer(1)]))
        #expect(value != .object(["a": .integer(2), "c": .integer(3), "b": .integer(4)]))
        #expect(value.hashValue == JSONValue.object(["c": .integer(3), "a": .integer(2), "b": .integer(1)]).hashValue)
    }

    @Test func stringsAndEscapes() throws {
        #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(try parse(#""caf\u00e9 \u00E9 \uD83D\uDE00 \u0000""#) == .string("café é 😀 \u{0}"))
        #expect(try parse(#""raw é 🇫🇷 日本, then \u65e5""#) == .string("raw é 🇫🇷 日本, then 日"))
    }

    @Test func repeatedNamesAreRefusedOrTheLastWins() throws {
        let text = #"{"k": 1, "x": true, "k": "last wins"}"#
        #expect(try parse(text, JSONParser.Options(duplicateNames: .keepLast)) == .object(["k": .string("last wins"), "x": .bool(true)]))
        #expect(try parse(text, JSONParser.Options(duplicateNames: .keepLast)).objectValue?.map(\.name) == ["k", "x"])
        let found = try #require(failure(text, JSONParser.Options(duplicateNames: .reject)))
        #expect(found.position == TextPosition(line: 1, column: 21))
        #expect(found.reason == "the member name occurs twice in this object")
    }

    @Test func repeatedNamesInLargeObjectsAreFoundInLinearTime() throws {
        // 40,000 distinct names, then one repeated: found through the index of names, so the
        // parse takes milliseconds, not the minutes a pairwise comparison would.
        var text = "{" + (0..<40_000).map { "\"m\($0)\":\($0)" }.joined(separator: ",")
        let distinct = try parse(text + "}", JSONParser.Options(duplicateNames: .reject))
        #expect(distinct.objectValue?.count == 40_000)
        #expect(distinct["m39999"] == .integer(39_999))
        text += ",\"m123\":0}"
        #expect(throws: JSONParseError(.duplicateName, at: text.utf8.count - 9)) { try parse(text, JSONParser.Options(duplicateNames: .reject)) }
        #expect(try parse(text, JSONParser.Options(duplicateNames: .keepLast))["m123"] == .integer(0))
    }

    @Test(arguments: [
        ("", 1, 1, "the JSON text ends where a value is expected"),
        ("[1, 2", 1, 6, "expected ',' or ']'"),
        ("[1, 2,]", 1, 7, "expected a JSON value"),
        ("{\"a\" 1}", 1, 6, "expected ':' after the member name"),
        ("{a: 1}", 1, 2, "expected a member name in double quotes"),
        ("{\"a\": 1,}", 1, 9, "expected a member name in double quotes"),
        ("{\"a\": 1", 1, 8, "expected ',' or '}'"),
        ("[01]", 1, 3, "expected ',' or ']'"),
        ("[1.]", 1, 4, "expected a digit"),
        ("[-]", 1, 3, "expected a digit"),
        ("[1e]", 1, 4, "expected a digit"),
        ("[+1]", 1, 2, "expected a JSON value"),
        ("[tru]", 1, 5, "expected true"),
        ("[fals", 1, 6, "expected false"),
        ("[nul", 1, 5, "expected null"),
        (#"["a\x"]"#, 1, 5, #"invalid escape; use \", \\, \/, \b, \f, \n, \r, \t or \uXXXX"#),
        (#"["\u12G4"]"#, 1, 7, #"expected 4 hex digits after \u"#),
        (#"["\ud83d"]"#, 1, 3, #"an escaped surrogate must be one of a pair, as in \ud83d\ude00"#),
        (#"["x\ud83d\u0041"]"#, 1, 4, #"an escaped surrogate must be one of a pair, as in \ud83d\ude00"#),
        (#"["\ude00"]"#, 1, 3, #"an escaped surrogate must be one of a pair, as in \ud83d\ude00"#),
        ("[\"tab\there\"]", 1, 6, "a control character such as a line break must be escaped inside a string"),
        ("[\"a\\n\nb\"]", 1, 6, "a control character such as a line break must be escaped inside a string"),
        ("[\n\"é", 2, 1, "the string that starts here is never closed"),
        ("[\"a\\", 1, 2, "the string that starts here is never closed"),
        ("{\"é\": \"ü\" ,\r\n \"x\" 2}", 2, 6, "expected ':' after the member name"),
        ("[1]\n]", 2, 1, "unexpected text after the end of the JSON value"),
        ("[1]\r\r]", 3, 1, "unexpected text after the end of the JSON value"),
    ])
    func syntaxErrorsArePlaced(text: String, line: Int, column: Int, reason: String) throws {
        let found = try #require(failure(text))
        #expect(found.position == TextPosition(line: line, column: column))
        #expect(found.reason == reason)
    }

    @Test func refusesInvalidUTF8InStrings() {
        #expect(throws: JSONParseError(.invalidUTF8, at: 1)) { try JSONParser.parse([0x5B, 0x22, 0xC3, 0x28, 0x22, 0x5D]) }
        #expect(throws: JSONParseError(.invalidUTF8, at: 0)) { try JSONParser.parse([0x22, 0x5C, 0x6E, 0xED, 0xA0, 0x80, 0x22]) }
    }

    @Test func nestingIsLimitedWithoutExhaustingTheStack() throws {
        for limit in [1, 64, 160, 512] {
            let options = JSONParser.Options(maximumDepth: limit)
            #expect(failure(String(repeating: "[", count: limit) + String(repeating: "]", count: limit), options) == nil)
            let tooDeep = String(repeating: "[{\"a\":", count: limit) + "1" + String(repeating: "}]", count: limit)
            let found = try #require(failure(tooDeep, options))
            // The first container too many is `[` (an even limit) or `{` (an odd one) of its unit.
            #expect(found.position == TextPosition(line: 1, column: limit % 2 == 0 ? 3 * limit + 1 : 3 * limit - 1))
            #expect(found.reason == "the JSON text is nested too deeply")
        }
        #expect(failure(String(repeating: "[", count: 1_000_000)) != nil)
    }

    @Test func integersAreReadOnlyFromPlainIntegerText() throws {
        #expect(try parse("-9223372036854775808").integerValue == Int64.min)
        #expect(try parse("9223372036854775808").integerValue == nil)
        #expect(try parse("1.0").integerValue == nil)
        #expect(try parse("1e2").integerValue == nil)
        #expect(try parse("\"1\"").integerValue == nil)
    }
}
