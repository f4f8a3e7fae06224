import FoundationEssentials
import StrictJSON
import Testing

/// The parser against JSONTestSuite's parsing cases (Fixtures/README.md): every `y_` accepted,
/// every `n_` refused, and each `i_` case decided as docs/json.md says.
@Suite struct JSONTestSuiteTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        let file = String(#filePath)
        let directory = String(file[..<file.lastIndex(of: "/")!])
        let text = (try? String(contentsOfFile: directory + "/Fixtures/test_parsing.tsv", encoding: .utf8)) ?? ""
        var cases = text.split(separator: "\n").map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            return Case(name: String(fields[0]), bytes: Array(Data(base64Encoded: String(fields[1])) ?? Data([0xFF])))
        }
        // The three cases generated rather than stored (see the fixtures' README).
        cases.append(Case(name: "n_structure_100000_opening_arrays", bytes: Array(repeating: UInt8(ascii: "["), count: 100_000)))
        cases.append(Case(name: "n_structure_open_array_object", bytes: Array(String(repeating: #"[{"":"#, count: 50_000).utf8) + [0x0A]))
        cases.append(Case(name: "i_structure_500_nested_arrays", bytes: Array(String(repeating: "[", count: 500).utf8) + Array(String(repeating: "]", count: 500).utf8)))
        return cases
    }()

    static func accepts(_ bytes: [UInt8], _ options: JSONParser.Options = JSONParser.Options()) -> Bool {
        (try? JSONParser.parse(bytes, options: options)) != nil
    }

    @Test func theFixturesAreAllThere() {
        #expect(Self.cases.count == 321)
        #expect(Self.cases.filter { $0.name.hasPrefix("y_") }.count == 95)
        #expect(Self.cases.filter { $0.name.hasPrefix("n_") }.count == 191)
        #expect(Self.cases.filter { $0.name.hasPrefix("i_") }.count == 35)
    }

    @Test(arguments: cases.filter { $0.name.hasPrefix("y_") })
    func acceptsEveryValidText(_ test: Case) {
        #expect(Self.accepts(test.bytes))
    }

    @Test(arguments: cases.filter { $0.name.hasPrefix("n_") })
    func refusesEveryInvalidText(_ test: Case) {
        #expect(!Self.accepts(test.bytes))
        #expect(!Self.accepts(test.bytes, JSONParser.Options(maximumDepth: 64, duplicateNames: .reject)))
    }

    /// The implementation-defined cases, as docs/json.md lists them: numbers of any size or
    /// precision are kept as their text; 500 levels of nesting are within the default limit; and
    /// anything that is not UTF-8 text of Unicode scalars (other encodings, a byte order mark,
    /// invalid or overlong sequences, escaped halves of surrogate pairs) is refused.
    @Test(arguments: cases.filter { $0.name.hasPrefix("i_") })
    func decidesImplementationDefinedCasesAsDocumented(_ test: Case) {
        let accepted = test.name.hasPrefix("i_number_") || test.name == "i_structure_500_nested_arrays"
        #expect(Self.accepts(test.bytes) == accepted)
    }

    @Test func refusingRepeatedNamesRefusesOnlyTheTwoValidTextsThatRepeatOne() {
        let reject = JSONParser.Options(duplicateNames: .reject)
        let refused = Self.cases.filter { $0.name.hasPrefix("y_") && !Self.accepts($0.bytes, reject) }.map(\.name)
        #expect(refused.sorted() == ["y_object_duplicated_key", "y_object_duplicated_key_and_value"])
    }

    @Test func everyAcceptedTextIsWrittenBackAsTheSameValue() throws {
        for test in Self.cases where Self.accepts(test.bytes) {
            let value = try JSONParser.parse(test.bytes)
            var writer = JSONWriter()
            value.write(to: &writer)
            #expect(try JSONParser.parse(writer.bytes) == value, "\(test.name)")
        }
    }
}
