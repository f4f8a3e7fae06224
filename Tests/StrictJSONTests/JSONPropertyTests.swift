import StrictJSON
import Testing

/// Seeded property tests: random bytes and mutated valid documents never crash the parser, its
/// errors point inside the text, and whatever it accepts it writes back to an equal value. The
/// same checks run under libFuzzer (Tests/JSONFuzzer, docs/json.md); here they run on every
/// `swift test`, with seeds fixed so that a failure repeats.
@Suite struct JSONPropertyTests {
    /// SplitMix64: small, fast and the same on every platform.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Bytes JSON is made of, and a few it must refuse, weighted towards the former.
    static let alphabet: [UInt8] = Array(#"{}[],:"\/ -+.0123456789eEtrufalsn bfu"#.utf8) + [0x09, 0x0A, 0x0D, 0x00, 0x1F, 0x7F, 0xC3, 0xA9, 0xED, 0xA0, 0xF0, 0x9F, 0x98, 0x80, 0xFF]

    /// Checks one input the way the fuzzer does; returns whether it was accepted.
    @discardableResult
    static func check(_ bytes: [UInt8]) -> Bool {
        for options in [JSONParser.Options(), JSONParser.Options(maximumDepth: 8, duplicateNames: .reject)] {
            do {
                let value = try JSONParser.parse(bytes, options: options)
                var writer = JSONWriter()
                value.write(to: &writer)
                let again = try? JSONParser.parse(writer.bytes, options: options)
                #expect(again == value, "written text of an accepted input parses back to it: \(bytes)")
            } catch {
                #expect(error.offset >= 0 && error.offset <= bytes.count, "error inside the text: \(bytes)")
                _ = bytes.withUnsafeBufferPointer { error.position(in: $0) }
            }
        }
        return (try? JSONParser.parse(bytes)) != nil
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func randomBytes(seed: UInt64) {
        var random = Generator(state: seed)
        for _ in 0..<5_000 {
            let count = Int.random(in: 0...48, using: &random)
            let bytes = (0..<count).map { _ in
                Bool.random(using: &random) ? Self.alphabet.randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random)
            }
            Self.check(bytes)
        }
    }

    /// A random value, at most `depth` levels deep.
    static func value(depth: Int, using random: inout Generator) -> JSONValue {
        let kind = Int.random(in: 0..<(depth > 0 ? 7 : 5), using: &random)
        switch kind {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2:
            let numbers = ["0", "-0", "1", "-12", "3.25", "1e9", "-2.5E-3", "12345678901234567890123", "0.000001"]
            return .number(numbers.randomElement(using: &random)!)
        case 3, 4:
            let pieces = ["a", "é", "\"", "\\", "\n", "\u{0}", "\u{1F}", "😀", "/", " ", "日本", "\u{7F}", "\u{2028}"]
            return .string((0..<Int.random(in: 0...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined())
        case 5:
            return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in value(depth: depth - 1, using: &random) })
        default:
            var object = JSONObject()
            for index in 0..<Int.random(in: 0...4, using: &random) {
                object["k\(index)\(["", "é", "\"", "\u{1}"].randomElement(using: &random)!)"] = value(depth: depth - 1, using: &random)
            }
            return .object(object)
        }
    }

    @Test(arguments: [11, 12, 13] as [UInt64])
    func writtenValuesParseBackAndMutationsNeverCrash(seed: UInt64) throws {
        var random = Generator(state: seed)
        var accepted = 0
        for _ in 0..<1_500 {
            let original = Self.value(depth: 4, using: &random)
            var writer = JSONWriter()
            original.write(to: &writer)
            #expect(try JSONParser.parse(writer.bytes) == original)
            for _ in 0..<4 {
                var bytes = writer.bytes
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    let index = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
                    switch Int.random(in: 0..<4, using: &random) {
                    case 0 where !bytes.isEmpty: bytes[index] = Self.alphabet.randomElement(using: &random)!
                    case 1 where !bytes.isEmpty: bytes.remove(at: index)
                    case 2: bytes.insert(Self.alphabet.randomElement(using: &random)!, at: index)
                    default: if !bytes.isEmpty { bytes[index] ^= 1 << UInt8.random(in: 0...7, using: &random) }
                    }
                }
                if Self.check(bytes) { accepted += 1 }
            }
        }
        // The mutations must reach both outcomes, or the test checks less than it claims.
        #expect(accepted > 100 && accepted < 5_900)
    }
}
