import Synchronization

/// Identifiers that must be unique, not secret: request ids and X-Ray trace ids, one or more
/// per request. SplitMix64 (Steele, Lea and Flood, 2014) over an atomic counter seeded once from
/// the system's generator: lock-free, and no `getrandom` call per request. What must not be
/// guessed (a worker's Runtime API prefix, the token secret) comes from the system's generator.
enum RequestIdentifiers {
    private static let state: Atomic<UInt64> = {
        var system = SystemRandomNumberGenerator()
        return Atomic(system.next())
    }()

    /// 64 well-mixed bits.
    static func next() -> UInt64 {
        var z = state.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A request id in the form of a version 4 UUID, lower-case, as Lambda's are.
    static func requestID() -> String {
        let high = next(), low = next()
        var text = hex(high, digits: 16) + hex(low, digits: 16)
        // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx: the version and variant digits.
        var bytes = Array(text.utf8)
        bytes[12] = UInt8(ascii: "4")
        bytes[16] = Array("89ab".utf8)[Int(low >> 62)]
        text = String(decoding: bytes[0..<8], as: UTF8.self) + "-" + String(decoding: bytes[8..<12], as: UTF8.self) + "-"
            + String(decoding: bytes[12..<16], as: UTF8.self) + "-" + String(decoding: bytes[16..<20], as: UTF8.self) + "-"
            + String(decoding: bytes[20..<32], as: UTF8.self)
        return text
    }

    /// `value` as `digits` lower-case hex digits, zero-padded.
    static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return text.count >= digits ? text : String(repeating: "0", count: digits - text.count) + text
    }
}
