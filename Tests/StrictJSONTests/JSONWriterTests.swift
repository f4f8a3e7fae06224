import FoundationEssentials
import StrictJSON
import Testing

/// The writer and its escaper.
@Suite struct JSONWriterTests {
    @Test func writesCompactTextWithMembersInByteOrderWhenAsked() {
        let value: JSONValue = .object(JSONObject([
            (name: "b", value: .integer(1)), (name: "a", value: .array([.bool(true), .bool(false), .null])),
            (name: "B", value: .string("x")), (name: "é", value: .number("-1.5e3")),
        ]))
        #expect(value.jsonText == #"{"B":"x","a":[true,false,null],"b":1,"é":-1.5e3}"#)
        var writer = JSONWriter()
        value.write(to: &writer)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"b":1,"a":[true,false,null],"B":"x","é":-1.5e3}"#)
    }

    @Test func escapesWhatRFC8259Requires() {
        #expect(JSONWriter.quoted("q\"b\\s/n\nt\tr\rb\u{08}f\u{0C}c\u{01}\u{1F}é😀\u{7F}")
            == #""q\"b\\s/n\nt\tr\rb\bf\fc\u0001\u001fé😀"# + "\u{7F}\"")
    }

    /// Byte for byte what the HTTP edge's `JSONEncoder` writes, for every control character, the
    /// two characters that need a backslash, and text on either side of the eight-byte scan.
    @Test func escapesExactlyAsJSONEncoderDoes() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var samples = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) } + ["\"", "\\", "/", "é", "日本", "🇫🇷", ""]
        samples += ["abcdefg\"", "abcdefgh\u{1}", "abcdefghi\\jk", String(repeating: "x", count: 37) + "\n" + String(repeating: "y", count: 5)]
        for sample in samples {
            let expected = String(decoding: try encoder.encode(sample), as: UTF8.self)
            #expect(JSONWriter.quoted(sample) == expected, "\(Array(sample.utf8))")
        }
    }

    @Test func writesNumbersAsJSONEncoderDoes() throws {
        let encoder = JSONEncoder()
        for value in [0.0, -0.0, 1.5, -2.25, 1e21, 1e-7, 123456789.125, 0.1 + 0.2, Double.greatestFiniteMagnitude] {
            var writer = JSONWriter()
            let written = writer.double(value)
            #expect(written)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == String(decoding: try encoder.encode(value), as: UTF8.self))
        }
        for value in [Int64.min, -1, 0, 9, 10, Int64.max] {
            var writer = JSONWriter()
            writer.int(value)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == String(value))
        }
        var writer = JSONWriter()
        let nan = writer.double(.nan)
        let infinity = writer.double(.infinity)
        #expect(!nan && !infinity)
        #expect(writer.bytes.isEmpty)
    }

    @Test func putsCommasBetweenMembersAndElementsOnly() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("a")
        writer.beginArray()
        writer.endArray()
        writer.key("b")
        writer.beginArray()
        for value in 1...3 {
            writer.element()
            writer.beginObject()
            writer.key("n")
            writer.int(value)
            writer.endObject()
        }
        writer.endArray()
        writer.key("c")
        writer.beginObject()
        writer.endObject()
        writer.key("d")
        writer.null()
        writer.endObject()
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"a":[],"b":[{"n":1},{"n":2},{"n":3}],"c":{},"d":null}"#)
    }
}
