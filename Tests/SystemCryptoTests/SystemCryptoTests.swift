import SystemCrypto
import Testing

/// SHA-256 and HMAC-SHA-256 over libcrypto against the published test vectors, and the value
/// semantics call sites written for swift-crypto rely on.
@Suite struct SystemCryptoTests {
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }

    // MARK: - SHA-256 (FIPS 180-4 examples, NIST CAVP short messages)

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256OfAMessage(message: String, expected: String) {
        #expect(Self.hex(SHA256.hash(data: Array(message.utf8))) == expected)
        #expect(SHA256.hash(data: Array(message.utf8)).description == expected)
    }

    @Test func aMillionAsHashedPieceByPiece() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(data: chunk) }
        #expect(Self.hex(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func aCopyOfAHasherGoesOnIndependently() {
        var first = SHA256()
        first.update(data: Array("ab".utf8))
        var second = first
        second.update(data: Array("c".utf8))
        first.update(data: Array("x".utf8))
        #expect(second.finalize() == SHA256.hash(data: Array("abc".utf8)))
        #expect(first.finalize() == SHA256.hash(data: Array("abx".utf8)))
        // finalize leaves the hasher usable.
        first.update(data: Array("y".utf8))
        #expect(first.finalize() == SHA256.hash(data: Array("abxy".utf8)))
    }

    @Test func nonContiguousSequencesHashLikeTheirBytes() {
        let message = "the quick brown fox"
        #expect(SHA256.hash(data: message.utf8) == SHA256.hash(data: Array(message.utf8)))
        #expect(SHA256.hash(data: Array(message.utf8)[4...]) == SHA256.hash(data: Array("quick brown fox".utf8)))
    }

    // MARK: - HMAC-SHA-256 (RFC 4231)

    @Test(arguments: [
        // Test case 1
        ("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        // Test case 2: a key shorter than the output
        ("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        // Test case 3
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        // Test case 6: a key longer than the block size
        (String(repeating: "aa", count: 131),
         "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    ])
    func hmacSHA256(key: String, data: String, expected: String) {
        let mac = HMAC<SHA256>.authenticationCode(for: Self.bytes(hex: data), using: SymmetricKey(data: Self.bytes(hex: key)))
        #expect(Self.hex(mac) == expected)
        #expect(mac.byteCount == 32)
    }

    @Test func aMACCanKeyTheNextHMACAsSigV4DerivesItsKey() {
        // AWS's documented signing-key derivation example
        // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
        var key = SymmetricKey(data: Array("AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".utf8))
        for part in ["20120215", "us-east-1", "iam", "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        let bytes = key.withUnsafeBytes { Array($0) }
        #expect(Self.hex(bytes) == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    @Test func emptyKeysAndMessagesAreValid() {
        let mac = HMAC<SHA256>.authenticationCode(for: [UInt8](), using: SymmetricKey(data: [UInt8]()))
        #expect(Self.hex(mac) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test func codesCompareByTheirBytes() {
        let key = SymmetricKey(data: Array("k".utf8))
        let one = HMAC<SHA256>.authenticationCode(for: Array("m".utf8), using: key)
        #expect(one == HMAC<SHA256>.authenticationCode(for: Array("m".utf8), using: key))
        #expect(one != HMAC<SHA256>.authenticationCode(for: Array("n".utf8), using: key))
    }
}
