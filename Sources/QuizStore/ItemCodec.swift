import ByteCoding

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
        // Room for a typical item at once: growing the buffer step by step from a small start
        // copies it several times for a session or progress item.
        bytes.reserveCapacity(1024)
        appendMap(item.attributes, to: &bytes)
        return bytes
    }

    /// The attributes named in `names` of the item these bytes hold, the others skipped unbuilt:
    /// enough to evaluate a condition on a large item without decoding all of it.
    public static func decode(_ bytes: UnsafeRawBufferPointer, only names: Set<String>) throws(TableError) -> Item {
        var reader = Reader(bytes.bindMemory(to: UInt8.self))
        guard try reader.readByte() == Tag.map.rawValue else { throw TableError(.backendFailure, "stored item is damaged") }
        var attributes: [String: AttributeValue] = [:]
        // Names are compared as bytes, so the names of skipped attributes are never built as strings.
        let wanted = names.map { Array($0.utf8) }
        for _ in 0..<(try reader.readCount()) {
            let name = try reader.readBytes()
            if let match = wanted.firstIndex(where: { $0.elementsEqual(name) }) {
                attributes[String(decoding: wanted[match], as: UTF8.self)] = try reader.readValue()
            } else {
                try reader.skipValue()
            }
        }
        guard reader.isAtEnd else { throw TableError(.backendFailure, "stored item is damaged") }
        return Item(attributes)
    }

    /// The item these bytes hold.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(TableError) -> Item {
        var reader = Reader(bytes.bindMemory(to: UInt8.self))
        guard case .map(let attributes) = try reader.readValue(), reader.isAtEnd else {
            throw TableError(.backendFailure, "stored item is damaged")
        }
        return Item(attributes)
    }

    /// The item these bytes hold.
    public static func decode(_ bytes: [UInt8]) throws(TableError) -> Item {
        // `withUnsafeBytes` rethrows untyped errors; carry the typed one out in a Result.
        try bytes.withUnsafeBytes { buffer in Result { () throws(TableError) -> Item in try decode(buffer) } }.get()
    }

    /// A change `updating(_:to:)` makes to one attribute in an item's bytes.
    public enum InPlaceChange: Sendable {
        /// Adds to a number (an absent attribute counting as 0), as `UpdateAction.add` does.
        case add(Number)
        /// Sets the attribute to a value, as `UpdateAction.set` does.
        case set(AttributeValue)
    }

    /// The bytes of the item these bytes hold with `changes` made to some of its attributes, as
    /// `UpdateAction.apply` would leave it, without building the item: the other attributes are
    /// copied as they are. `nil` when this cannot be done on the bytes (an attribute to add to
    /// holds anything but a number, or a sum overflows), for the caller to apply the update on the
    /// decoded item instead, which then reports the problem.
    ///
    /// For the counters that many requests add to (a user's progress, a category's counters, the
    /// memory model's due hours), whose items are rewritten on every change: decoding, updating
    /// and re-encoding every attribute to change a few costs more than the change. The names of
    /// `changes` must be distinct.
    public static func updating(_ changes: [(name: String, change: InPlaceChange)], to bytes: UnsafeRawBufferPointer) throws(TableError) -> [UInt8]? {
        var reader = Reader(bytes.bindMemory(to: UInt8.self))
        guard try reader.readByte() == Tag.map.rawValue else { throw Reader.damaged }
        let count = try reader.readCount()
        var wanted = changes.map { (name: Array($0.name.utf8), change: $0.change, found: false) }
        var entries: [UInt8] = []
        entries.reserveCapacity(bytes.count + 16 * changes.count)
        for _ in 0..<count {
            let name = try reader.readBytes()
            Varint.append(UInt64(name.count), to: &entries)
            entries.append(contentsOf: name)
            let start = reader.position
            guard let index = wanted.firstIndex(where: { $0.name.elementsEqual(name) }) else {
                try reader.skipValue()
                entries.append(contentsOf: UnsafeBufferPointer(rebasing: reader.bytes[start..<reader.position]))
                continue
            }
            guard !wanted[index].found else { return nil }
            wanted[index].found = true
            switch wanted[index].change {
            case .set(let value):
                try reader.skipValue()
                appendValue(value, to: &entries)
            case .add(let delta):
                guard case .number(let current) = try reader.readValue(), let sum = current.adding(delta) else { return nil }
                appendValue(.number(sum), to: &entries)
            }
        }
        guard reader.isAtEnd else { throw Reader.damaged }
        var added = 0
        for entry in wanted where !entry.found {
            Varint.append(UInt64(entry.name.count), to: &entries)
            entries.append(contentsOf: entry.name)
            switch entry.change {
            case .set(let value):
                appendValue(value, to: &entries)
            case .add(let delta):
                guard let sum = Number(Int64(0)).adding(delta) else { return nil }
                appendValue(.number(sum), to: &entries)
            }
            added += 1
        }
        var result: [UInt8] = []
        result.reserveCapacity(entries.count + 10)
        result.append(Tag.map.rawValue)
        Varint.append(UInt64(count + added), to: &result)
        result.append(contentsOf: entries)
        return result
    }

    // MARK: - Writing

    static func appendValue(_ value: AttributeValue, to bytes: inout [UInt8]) {
        switch value {
        case .null: bytes.append(Tag.null.rawValue)
        case .bool(let flag): bytes.append(flag ? Tag.true.rawValue : Tag.false.rawValue)
        case .number(let number):
            if let int = number.intValue {
                bytes.append(Tag.integer.rawValue)
                Varint.append(signed: int, to: &bytes)
            } else {
                bytes.append(Tag.double.rawValue)
                withUnsafeBytes(of: number.doubleValue.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            }
        case .string(let text):
            bytes.append(Tag.string.rawValue)
            appendString(text, to: &bytes)
        case .binary(let data):
            bytes.append(Tag.binary.rawValue)
            Varint.append(UInt64(data.count), to: &bytes)
            bytes.append(contentsOf: data)
        case .list(let elements):
            bytes.append(Tag.list.rawValue)
            Varint.append(UInt64(elements.count), to: &bytes)
            for element in elements { appendValue(element, to: &bytes) }
        case .map(let entries):
            appendMap(entries, to: &bytes)
        }
    }

    static func appendMap(_ entries: [String: AttributeValue], to bytes: inout [UInt8]) {
        bytes.append(Tag.map.rawValue)
        Varint.append(UInt64(entries.count), to: &bytes)
        for (name, value) in entries {
            appendString(name, to: &bytes)
            appendValue(value, to: &bytes)
        }
    }

    static func appendString(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            Varint.append(UInt64(utf8.count), to: &bytes)
            bytes.append(contentsOf: utf8)
        }
    }

    // MARK: - Reading

    /// Reads values from a buffer by offset: consuming an `ArraySlice` instead would retain and
    /// release its storage on every byte.
    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        var isAtEnd: Bool { position == bytes.count }
        var remaining: Int { bytes.count - position }

        static var damaged: TableError { TableError(.backendFailure, "stored item is damaged") }

        mutating func readByte() throws(TableError) -> UInt8 {
            guard position < bytes.count else { throw Self.damaged }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func readVarint() throws(TableError) -> UInt64 {
            guard let value = Varint.read(from: bytes, at: &position) else { throw Self.damaged }
            return value
        }

        mutating func readCount() throws(TableError) -> Int {
            let count = try readVarint()
            // Every element takes at least one byte, so a larger count is damage.
            guard count <= UInt64(remaining) else { throw Self.damaged }
            return Int(count)
        }

        mutating func readBytes() throws(TableError) -> UnsafeBufferPointer<UInt8> {
            let count = try readCount()
            defer { position += count }
            return UnsafeBufferPointer(rebasing: bytes[position..<position + count])
        }

        mutating func readString() throws(TableError) -> String {
            guard let text = UTF8Text.string(validating: try readBytes()) else { throw Self.damaged }
            return text
        }

        /// Moves past one value without building it.
        mutating func skipValue() throws(TableError) {
            guard let tag = Tag(rawValue: try readByte()) else { throw Self.damaged }
            switch tag {
            case .null, .false, .true: return
            case .integer: _ = try readVarint()
            case .double:
                guard remaining >= 8 else { throw Self.damaged }
                position += 8
            case .string, .binary: _ = try readBytes()
            case .list:
                for _ in 0..<(try readCount()) { try skipValue() }
            case .map:
                for _ in 0..<(try readCount()) {
                    _ = try readBytes()
                    try skipValue()
                }
            }
        }

        mutating func readValue() throws(TableError) -> AttributeValue {
            guard let tag = Tag(rawValue: try readByte()) else { throw Self.damaged }
            switch tag {
            case .null: return .null
            case .false: return .bool(false)
            case .true: return .bool(true)
            case .integer:
                let raw = try readVarint()
                return .number(Number(Varint.unzigzag(raw)))
            case .double:
                guard remaining >= 8 else { throw Self.damaged }
                var bits: UInt64 = 0
                for offset in 0..<8 { bits |= UInt64(bytes[position + offset]) << (8 * UInt64(offset)) }
                position += 8
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
