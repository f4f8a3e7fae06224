/// LEB128 variable-length integers, seven bits a byte, least significant group first, and the
/// zigzag mapping that gives small negative numbers short forms too: the one codec of the stored
/// item format (`ItemCodec`) and of records packed into a binary attribute.
public enum Varint {
    /// Appends `value` in 1 to 10 bytes.
    @inlinable
    public static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// Appends a signed `value`, zigzag-mapped (0, -1, 1, -2 … become 0, 1, 2, 3 …).
    @inlinable
    public static func append(signed value: Int64, to bytes: inout [UInt8]) {
        append(zigzag(value), to: &bytes)
    }

    /// The varint that starts at `position` of `bytes`, moving `position` past it; `nil` when the
    /// bytes end inside it or it does not fit in 64 bits (damaged bytes), `position` then undefined.
    @inlinable
    public static func read(from bytes: UnsafeBufferPointer<UInt8>, at position: inout Int) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { return nil }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
        return nil
    }

    /// A signed varint (zigzag-mapped) read as `read(from:at:)` reads an unsigned one.
    @inlinable
    public static func readSigned(from bytes: UnsafeBufferPointer<UInt8>, at position: inout Int) -> Int64? {
        read(from: bytes, at: &position).map(unzigzag)
    }

    /// The zigzag form of a signed integer.
    @inlinable
    public static func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    /// The signed integer of a zigzag form.
    @inlinable
    public static func unzigzag(_ raw: UInt64) -> Int64 {
        Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }
}
