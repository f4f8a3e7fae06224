internal import CLibcrypto

/// HMAC ([RFC 2104](https://www.rfc-editor.org/rfc/rfc2104)) over a ``HashFunction``, computed
/// by libcrypto's one-shot `HMAC()`.
///
/// ```swift
/// let key = SymmetricKey(data: Array("key".utf8))
/// let mac = HMAC<SHA256>.authenticationCode(for: Array("message".utf8), using: key)
/// ```
public enum HMAC<H: HashFunction> {
    /// An authentication code: as long as a digest of `H`.
    public typealias MAC = DigestBytes

    /// The authentication code of `data` under `key`.
    public static func authenticationCode(for data: some Sequence<UInt8>, using key: SymmetricKey) -> MAC {
        var code = [UInt8](repeating: 0, count: H.byteCount)
        var length: UInt32 = 0
        let succeeded = key.withUnsafeBytes { keyBytes in
            data.withContiguousBytes { input in
                // A NULL data pointer is valid only with length 0; libcrypto reads neither then.
                CLibcrypto.HMAC(
                    H.messageDigest, keyBytes.baseAddress, Int32(keyBytes.count),
                    input.baseAddress?.assumingMemoryBound(to: UInt8.self), input.count, &code, &length) != nil
            }
        }
        precondition(succeeded && Int(length) == H.byteCount, "SystemCrypto: HMAC failed")
        return MAC(code)
    }
}

/// A secret key for ``HMAC``: its bytes are kept in memory of their own and overwritten with
/// zeros ([OPENSSL_cleanse](https://docs.openssl.org/3.0/man3/OPENSSL_malloc/)) when the last
/// copy of the key goes away.
public struct SymmetricKey: Sendable {
    private let storage: SecretBytes

    /// A key made of `data`'s bytes (a password, a derived key, another MAC).
    public init(data: some Sequence<UInt8>) {
        storage = data.withContiguousBytes { SecretBytes(copying: $0) }
    }

    /// The key's length in bytes.
    public var byteCount: Int { storage.count }

    /// Calls `body` with the key's bytes.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(start: storage.pointer, count: storage.count))
    }
}

/// Bytes zeroed before they are freed.
private final class SecretBytes: @unchecked Sendable {
    // @unchecked Sendable: the bytes are written once, in init, and only read afterwards.
    let pointer: UnsafeMutableRawPointer
    let count: Int

    init(copying bytes: UnsafeRawBufferPointer) {
        count = bytes.count
        pointer = .allocate(byteCount: max(1, bytes.count), alignment: 16)
        if let source = bytes.baseAddress, bytes.count > 0 {
            pointer.copyMemory(from: source, byteCount: bytes.count)
        }
    }

    deinit {
        OPENSSL_cleanse(pointer, count)
        pointer.deallocate()
    }
}
