import ByteCoding
import Testing

@Suite struct PercentEncodingTests {
    @Test(arguments: [
        ("plain", "plain"), ("a%20b", "a b"), ("%E6%97%A5", "日"), ("%e6%97%a5", "日"), ("a+b", "a+b"), ("%25", "%"), ("", ""),
    ])
    func decodes(text: String, decoded: String) {
        #expect(PercentEncoding.decode(text) == decoded)
    }

    @Test(arguments: ["%", "%2", "%zz", "a%2g", "%FF", "%C3"])
    func refusesMalformedEscapesAndNonUTF8(text: String) {
        #expect(PercentEncoding.decode(text) == nil)
    }

    @Test func keepsMalformedEscapesWhenAsked() {
        #expect(PercentEncoding.decodedBytes("a%zz%41%%41%4", malformed: .keep) == Array("a%zzA%A%4".utf8))
        #expect(PercentEncoding.decodedBytes("%FF", malformed: .keep) == [0xFF])
        #expect(PercentEncoding.decodedBytes("%4", malformed: .fail) == nil)
    }
}

@Suite struct VarintTests {
    @Test(arguments: [0, 1, 127, 128, 300, 16_383, 16_384, UInt64(UInt32.max), UInt64.max] as [UInt64])
    func roundTrips(value: UInt64) {
        var bytes: [UInt8] = []
        Varint.append(value, to: &bytes)
        #expect(bytes.count == max(1, (64 - value.leadingZeroBitCount + 6) / 7))
        var position = 0
        #expect(bytes.withUnsafeBufferPointer { Varint.read(from: $0, at: &position) } == value)
        #expect(position == bytes.count)
    }

    @Test func knownEncodings() {
        var bytes: [UInt8] = []
        Varint.append(300, to: &bytes)
        #expect(bytes == [0xAC, 0x02])
        bytes = []
        for value: Int64 in [0, -1, 1, -2, Int64.min, Int64.max] { Varint.append(signed: value, to: &bytes) }
        var position = 0
        let decoded = bytes.withUnsafeBufferPointer { buffer in
            (0..<6).map { _ in Varint.readSigned(from: buffer, at: &position) }
        }
        #expect(decoded == [0, -1, 1, -2, Int64.min, Int64.max])
        #expect(Array(bytes.prefix(4)) == [0, 1, 2, 3])
    }

    @Test func refusesDamage() {
        var position = 0
        #expect([0x80, 0x80].withUnsafeBufferPointer { Varint.read(from: $0, at: &position) } == nil)
        position = 0
        let tooLong = [UInt8](repeating: 0xFF, count: 10) + [0x01]
        #expect(tooLong.withUnsafeBufferPointer { Varint.read(from: $0, at: &position) } == nil)
    }
}

@Suite struct UTF8TextTests {
    @Test func validatesWithoutRepairing() {
        #expect([UInt8]("abc é 😀".utf8).withUnsafeBufferPointer { UTF8Text.string(validating: $0) } == "abc é 😀")
        for invalid: [UInt8] in [[0xC3], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0x61, 0xFF]] {
            #expect(invalid.withUnsafeBufferPointer { UTF8Text.string(validating: $0) } == nil)
        }
        #expect([UInt8]().withUnsafeBufferPointer { UTF8Text.string(validating: $0) } == "")
    }
}
