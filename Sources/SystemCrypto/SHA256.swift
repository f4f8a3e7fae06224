internal import CLibcrypto

/// SHA-256 ([FIPS 180-4](https://csrc.nist.gov/pubs/fips/180-4/upd1/final)), computed by
/// libcrypto: at once with ``hash(data:)``, or piece by piece with ``update(data:)`` and
/// ``finalize()``.
///
/// ```swift
/// let digest = SHA256.hash(data: Array("abc".utf8))
/// var hasher = SHA256()
/// hasher.update(data: Array("a".utf8))
/// hasher.update(data: Array("bc".utf8))
/// assert(hasher.finalize() == digest)
/// ```
///
/// A value type: a copy goes on from where the original was, independently of it.
public struct SHA256: HashFunction {
    /// A SHA-256 digest: 32 bytes.
    public typealias Digest = DigestBytes

    /// 32.
    public static let byteCount = 32

    /// libcrypto's SHA-256, fetched from its provider once for the process.
    public static var messageDigest: OpaquePointer { fetched.pointer }

    private static let fetched = FetchedDigest(name: "SHA2-256", fallback: EVP_sha256())

    private var context: DigestContext

    /// A hasher that has seen nothing yet.
    public init() {
        context = DigestContext(Self.messageDigest)
    }

    /// The digest of `data`.
    public static func hash(data: some Sequence<UInt8>) -> Digest {
        var digest = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let succeeded = data.withContiguousBytes { input in
            EVP_Digest(input.baseAddress, input.count, &digest, &length, messageDigest, nil) == 1
        }
        precondition(succeeded && Int(length) == byteCount, "SystemCrypto: EVP_Digest(SHA-256) failed")
        return Digest(digest)
    }

    /// Adds `data` to what has been hashed so far.
    public mutating func update(data: some Sequence<UInt8>) {
        if !isKnownUniquelyReferenced(&context) {
            context = context.copy()
        }
        let context = self.context
        data.withContiguousBytes { input in
            context.update(input)
        }
    }

    /// The digest of everything added so far; the hasher itself is left as it was.
    public func finalize() -> Digest {
        Digest(context.copy().finish(byteCount: Self.byteCount))
    }
}

/// An `EVP_MD` fetched from libcrypto's default provider, kept for the life of the process.
///
/// OpenSSL 3 looks the implementation of a digest up in its providers every time a context is
/// started with the `EVP_MD` of `EVP_sha256()` and the like ("implicit fetching"); one fetched
/// explicitly with `EVP_MD_fetch` skips that lookup, which the OpenSSL guide recommends
/// wherever an algorithm is used more than once
/// ([explicit fetching](https://docs.openssl.org/3.0/man7/crypto/#explicit-fetching)).
/// In a profile of answers with an `Idempotency-Key`, the request's fingerprint took ~10 µs, most
/// of it starting the digest; with the fetched one and hex written in one pass, ~4.6 µs under the
/// same profiler (README, `quiz-answer-bench --idempotency-keys`).
///
/// `@unchecked Sendable`: the pointer is set once and never freed; libcrypto's `EVP_MD` objects
/// may be shared by threads.
final class FetchedDigest: @unchecked Sendable {
    let pointer: OpaquePointer

    /// The provider's implementation of `name`, or `fallback` (the implicitly fetched
    /// `EVP_MD`) where the library cannot fetch it.
    init(name: String, fallback: OpaquePointer) {
        pointer = EVP_MD_fetch(nil, name, nil) ?? fallback
    }
}

/// An `EVP_MD_CTX`, freed with its owner.
///
/// `@unchecked Sendable`: ``SHA256`` copies it before every change unless it holds the only
/// reference (copy on write), so a context reachable from two values or threads is never changed.
final class DigestContext: @unchecked Sendable {
    private let pointer: OpaquePointer

    /// A context started for `messageDigest`.
    init(_ messageDigest: OpaquePointer) {
        guard let pointer = EVP_MD_CTX_new() else { preconditionFailure("SystemCrypto: EVP_MD_CTX_new failed") }
        precondition(EVP_DigestInit_ex(pointer, messageDigest, nil) == 1, "SystemCrypto: EVP_DigestInit_ex failed")
        self.pointer = pointer
    }

    private init(copying other: DigestContext) {
        guard let pointer = EVP_MD_CTX_new() else { preconditionFailure("SystemCrypto: EVP_MD_CTX_new failed") }
        precondition(EVP_MD_CTX_copy_ex(pointer, other.pointer) == 1, "SystemCrypto: EVP_MD_CTX_copy_ex failed")
        self.pointer = pointer
    }

    deinit {
        EVP_MD_CTX_free(pointer)
    }

    /// A context that has seen what this one has, and goes on independently.
    func copy() -> DigestContext {
        DigestContext(copying: self)
    }

    /// Hashes `bytes`.
    func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        precondition(EVP_DigestUpdate(pointer, bytes.baseAddress, bytes.count) == 1, "SystemCrypto: EVP_DigestUpdate failed")
    }

    /// The digest; the context cannot be updated afterwards.
    func finish(byteCount: Int) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(pointer, &digest, &length) == 1 && Int(length) == byteCount, "SystemCrypto: EVP_DigestFinal_ex failed")
        return digest
    }
}
