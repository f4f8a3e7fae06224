internal import CLibcrypto

/// A cryptographic hash function computed by the system's OpenSSL libcrypto.
///
/// The names and shapes follow swift-crypto's (`SHA256.hash(data:)`, `HMAC<SHA256>`,
/// `SymmetricKey`), so code written against that API compiles against this one with only its
/// import changed; only what this product uses is here. Why it exists: libcurl already loads
/// libcrypto for TLS, so a second crypto library (swift-crypto's BoringSSL, linked into every
/// bootstrap) cost binary size, start-up time and resident memory for nothing
/// (`docs/runtime.md`).
public protocol HashFunction: Sendable {
    /// The length of a digest, in bytes.
    static var byteCount: Int { get }
    /// libcrypto's `EVP_MD` of the function (`EVP_sha256()`, …), as an opaque pointer.
    static var messageDigest: OpaquePointer { get }
}

/// The bytes of a digest or an authentication code: a fixed-length byte sequence that compares
/// in constant time, so comparing a secret code leaks nothing through timing.
public struct DigestBytes: Sequence, Sendable, Hashable, CustomStringConvertible {
    /// The bytes.
    public let bytes: [UInt8]

    /// The number of bytes.
    public var byteCount: Int { bytes.count }

    /// Bytes of a finished digest.
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// An iterator over the bytes.
    public func makeIterator() -> IndexingIterator<[UInt8]> {
        bytes.makeIterator()
    }

    /// Calls `body` with the bytes in contiguous memory.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try bytes.withUnsafeBytes(body)
    }

    /// Whether both hold the same bytes, compared in constant time
    /// ([CRYPTO_memcmp](https://docs.openssl.org/3.0/man3/CRYPTO_memcmp/)).
    public static func == (lhs: DigestBytes, rhs: DigestBytes) -> Bool {
        guard lhs.bytes.count == rhs.bytes.count else { return false }
        return lhs.bytes.withUnsafeBytes { left in
            rhs.bytes.withUnsafeBytes { right in
                left.count == 0 || CRYPTO_memcmp(left.baseAddress, right.baseAddress, left.count) == 0
            }
        }
    }

    /// Hashes the bytes.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes)
    }

    /// The bytes in lower-case hexadecimal.
    public var description: String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { text in
            var index = 0
            for byte in bytes {
                text[index] = Self.digit(byte >> 4)
                text[index + 1] = Self.digit(byte & 0x0F)
                index += 2
            }
            return index
        }
    }

    /// The lower-case hex digit of `nibble` (0–15).
    private static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}

// MARK: - Contiguous input

extension Sequence<UInt8> {
    /// Calls `body` with this sequence's bytes in contiguous memory: in place for arrays, array
    /// slices, `Data` and the like, through one copy otherwise.
    func withContiguousBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        if let result = withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(self).withUnsafeBytes(body)
    }
}
