#if canImport(Glibc)
import Glibc
#endif
import QuizEngine

/// The packed form of pool entries: format byte 1, then per entry its bank id, question id,
/// `enteredAt` (zigzag varint), remaining tries (varint) and session id. Strings are varint
/// length + UTF-8, except that a string equal to an earlier one of the same field is written as
/// a back-reference (tag 0 + index): a pool's entries share a handful of banks and sessions.
enum PoolCodec {
    static let format: UInt8 = 1

    static func encode(_ entries: [PoolEntry]) -> [UInt8] {
        var bytes: [UInt8] = [format]
        bytes.reserveCapacity(16 + entries.count * 24)
        appendVarint(UInt64(entries.count), to: &bytes)
        var banks = StringTable(), sessions = StringTable()
        for entry in entries {
            banks.append(entry.bankId, to: &bytes)
            appendString(entry.questionId, to: &bytes)
            appendVarint(UInt64(bitPattern: (entry.enteredAt << 1) ^ (entry.enteredAt >> 63)), to: &bytes)
            appendVarint(UInt64(max(0, entry.remainingTries)), to: &bytes)
            sessions.append(entry.sessionId, to: &bytes)
        }
        return bytes
    }

    /// The entries, or `nil` when the bytes are not a packed pool.
    static func decode(_ bytes: [UInt8]) -> [PoolEntry]? {
        bytes.withUnsafeBufferPointer { buffer in
            var reader = Reader(bytes: buffer)
            guard reader.byte() == format, let count = reader.varint(), count <= UInt64(buffer.count) else { return nil }
            var entries: [PoolEntry] = []
            entries.reserveCapacity(Int(count))
            var banks: [String] = [], sessions: [String] = []
            for _ in 0..<count {
                guard let bankId = reader.string(table: &banks), let questionId = reader.plainString(),
                    let entered = reader.varint(), let tries = reader.varint(), tries <= 1000, let sessionId = reader.string(table: &sessions)
                else { return nil }
                let enteredAt = Int64(bitPattern: (entered >> 1) ^ (0 &- (entered & 1)))
                entries.append(PoolEntry(bankId: bankId, questionId: questionId, enteredAt: enteredAt, remainingTries: Int(tries), sessionId: sessionId))
            }
            return reader.isAtEnd ? entries : nil
        }
    }

    // MARK: - Writing

    /// Strings written so far in one field, to write repeats as back-references. A pool names a
    /// handful of banks and sessions, so a short linear scan beats hashing every entry's strings.
    private struct StringTable {
        var seen: [String] = []

        mutating func append(_ text: String, to bytes: inout [UInt8]) {
            if let index = seen.firstIndex(of: text) {
                bytes.append(0)
                appendVarint(UInt64(index), to: &bytes)
            } else {
                seen.append(text)
                bytes.append(1)
                appendString(text, to: &bytes)
            }
        }
    }

    private static func appendString(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            appendVarint(UInt64(utf8.count), to: &bytes)
            bytes.append(contentsOf: utf8)
        }
    }

    private static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    // MARK: - Reading

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        var isAtEnd: Bool { position == bytes.count }

        mutating func byte() -> UInt8? {
            guard position < bytes.count else { return nil }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func varint() -> UInt64? {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while let byte = byte(), shift < 64 {
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return result }
                shift += 7
            }
            return nil
        }

        mutating func plainString() -> String? {
            guard let length = varint(), length <= UInt64(bytes.count - position) else { return nil }
            let slice = UnsafeBufferPointer(rebasing: bytes[position..<position + Int(length)])
            position += Int(length)
            let text = String(decoding: slice, as: UTF8.self)
            return UTF8Check.same(text, slice) ? text : nil
        }

        mutating func string(table: inout [String]) -> String? {
            switch byte() {
            case 0:
                guard let index = varint(), index < UInt64(table.count) else { return nil }
                return table[Int(index)]
            case 1:
                guard let text = plainString() else { return nil }
                table.append(text)
                return text
            default:
                return nil
            }
        }
    }
}

/// Whether decoding bytes as UTF-8 kept them as they were (no invalid byte was repaired).
enum UTF8Check {
    static func same(_ text: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var text = text
        return text.withUTF8 { utf8 in
            utf8.count == bytes.count && (bytes.isEmpty || memcmp(utf8.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
        }
    }
}
