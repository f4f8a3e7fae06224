/// A compact, self-describing binary form of items, for backends that store items as blobs.
///
/// Each value is a tag byte followed by its payload; lengths and integers are LEB128 varints
/// (integers zigzag-encoded). Decoding checks every length against the bytes at hand, so a
/// damaged blob fails with an error instead of trapping.
public enum ItemCodec {
    private enum Tag: UInt8 {
        case null = 0, `false`, `true`, integer, double, string, binary, list, map
    }

    /// The item's bytes.
    public static func encode(_ item: Item) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        appendMap(item.attributes, to: &bytes)
        return bytes
    }

    /// The item these bytes hold.
    public static func decode(_ bytes: some Collection<UInt8>) throws(TableError) -> Item {
        let array = ArraySlice(bytes)
        var reader = Reader(bytes: array)
        guard case .map(let attributes) = try reader.readValue(), reader.isAtEnd else {
            throw TableError(.backendFailure, "stored item is damaged")
        }
        return Item(attributes)
    }

    // MARK: - Writing

    static func appendValue(_ value: AttributeValue, to bytes: inout [UInt8]) {
        switch value {
        case .null: bytes.append(Tag.null.rawValue)
        case .bool(let flag): bytes.append(flag ? Tag.true.rawValue : Tag.false.rawValue)
        case .number(let number):
            if let int = number.intValue {
                bytes.append(Tag.integer.rawValue)
                appendVarint(UInt64(bitPattern: (int << 1) ^ (int >> 63)), to: &bytes)
            } else {
                bytes.append(Tag.double.rawValue)
                withUnsafeBytes(of: number.doubleValue.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            }
        case .string(let text):
            bytes.append(Tag.string.rawValue)
            appendString(text, to: &bytes)
        case .binary(let data):
            bytes.append(Tag.binary.rawValue)
            appendVarint(UInt64(data.count), to: &bytes)
            bytes.append(contentsOf: data)
        case .list(let elements):
            bytes.append(Tag.list.rawValue)
            appendVarint(UInt64(elements.count), to: &bytes)
            for element in elements { appendValue(element, to: &bytes) }
        case .map(let entries):
            appendMap(entries, to: &bytes)
        }
    }

    static func appendMap(_ entries: [String: AttributeValue], to bytes: inout [UInt8]) {
        bytes.append(Tag.map.rawValue)
        appendVarint(UInt64(entries.count), to: &bytes)
        for (name, value) in entries {
            appendString(name, to: &bytes)
            appendValue(value, to: &bytes)
        }
    }

    static func appendString(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            appendVarint(UInt64(utf8.count), to: &bytes)
            bytes.append(contentsOf: utf8)
        }
    }

    static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    // MARK: - Reading

    struct Reader {
        var bytes: ArraySlice<UInt8>

        var isAtEnd: Bool { bytes.isEmpty }

        private static var damaged: TableError { TableError(.backendFailure, "stored item is damaged") }

        mutating func readByte() throws(TableError) -> UInt8 {
            guard let byte = bytes.popFirst() else { throw Self.damaged }
            return byte
        }

        mutating func readVarint() throws(TableError) -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let byte = try readByte()
                guard shift < 64 else { throw Self.damaged }
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return result }
                shift += 7
            }
        }

        mutating func readCount() throws(TableError) -> Int {
            let count = try readVarint()
            // Every element takes at least one byte, so a larger count is damage.
            guard count <= UInt64(bytes.count) else { throw Self.damaged }
            return Int(count)
        }

        mutating func readBytes() throws(TableError) -> ArraySlice<UInt8> {
            let count = try readCount()
            let slice = bytes.prefix(count)
            bytes.removeFirst(count)
            return slice
        }

        mutating func readString() throws(TableError) -> String {
            let slice = try readBytes()
            guard let text = String(validating: slice, as: UTF8.self) else { throw Self.damaged }
            return text
        }

        mutating func readValue() throws(TableError) -> AttributeValue {
            guard let tag = Tag(rawValue: try readByte()) else { throw Self.damaged }
            switch tag {
            case .null: return .null
            case .false: return .bool(false)
            case .true: return .bool(true)
            case .integer:
                let raw = try readVarint()
                return .number(Number(Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))))
            case .double:
                guard bytes.count >= 8 else { throw Self.damaged }
                var bits: UInt64 = 0
                for (offset, byte) in bytes.prefix(8).enumerated() { bits |= UInt64(byte) << (8 * UInt64(offset)) }
                bytes.removeFirst(8)
                return .number(Number(Double(bitPattern: bits)))
            case .string: return .string(try readString())
            case .binary: return .binary(Array(try readBytes()))
            case .list:
                let count = try readCount()
                var elements: [AttributeValue] = []
                elements.reserveCapacity(count)
                for _ in 0..<count { elements.append(try readValue()) }
                return .list(elements)
            case .map:
                let count = try readCount()
                var entries: [String: AttributeValue] = [:]
                entries.reserveCapacity(count)
                for _ in 0..<count {
                    let name = try readString()
                    entries[name] = try readValue()
                }
                return .map(entries)
            }
        }
    }
}
