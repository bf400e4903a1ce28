import Testing

@testable import FileDropAuth

/// RFC 4231 §4, HMAC-SHA-256 test cases 1–7.
struct HMACCase: Sendable, CustomTestStringConvertible {
    let number: Int
    let key: [UInt8]
    let data: [UInt8]
    /// Expected output; case 5 is truncated to 128 bits.
    let hmac: String

    var testDescription: String { "RFC 4231 case \(number)" }

    static let all: [HMACCase] = [
        HMACCase(
            number: 1,
            key: [UInt8](repeating: 0x0b, count: 20),
            data: Array("Hi There".utf8),
            hmac: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        HMACCase(
            number: 2,
            key: Array("Jefe".utf8),
            data: Array("what do ya want for nothing?".utf8),
            hmac: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        HMACCase(
            number: 3,
            key: [UInt8](repeating: 0xaa, count: 20),
            data: [UInt8](repeating: 0xdd, count: 50),
            hmac: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
        ),
        HMACCase(
            number: 4,
            key: Array(1...25),
            data: [UInt8](repeating: 0xcd, count: 50),
            hmac: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
        ),
        HMACCase(
            number: 5,
            key: [UInt8](repeating: 0x0c, count: 20),
            data: Array("Test With Truncation".utf8),
            hmac: "a3b6167473100ee06e0c796c2955552b"
        ),
        HMACCase(
            number: 6,
            key: [UInt8](repeating: 0xaa, count: 131),
            data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            hmac: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
        HMACCase(
            number: 7,
            key: [UInt8](repeating: 0xaa, count: 131),
            data: Array(
                ("This is a test using a larger than block-size key and a larger than block-size data. "
                    + "The key needs to be hashed before being used by the HMAC algorithm.").utf8
            ),
            hmac: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        ),
    ]
}

@Test(arguments: HMACCase.all)
func hmacSHA256MatchesRFC4231(_ testCase: HMACCase) {
    let mac = Crypto.hmacSHA256(key: testCase.key, message: testCase.data)
    #expect(mac.count == 32)
    let expected = bytes(hex: testCase.hmac)
    #expect(Array(mac.prefix(expected.count)) == expected)
}

@Test func hmacSHA256AcceptsNonContiguousCollectionsAndEmptyInputs() {
    let key = Array("Jefe".utf8)
    let message = "what do ya want for nothing?"
    #expect(
        Crypto.hmacSHA256(key: key.lazy.map { $0 }, message: message.utf8)
            == Crypto.hmacSHA256(key: key, message: Array(message.utf8))
    )
    // HMAC-SHA256 with an empty key and an empty message, a well-known value.
    #expect(
        Crypto.hex(Crypto.hmacSHA256(key: [UInt8](), message: [UInt8]()))
            == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"
    )
}

@Test func sha256KnownAnswers() {
    #expect(Crypto.hex(Crypto.sha256("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(Crypto.hex(Crypto.sha256([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
}

@Test(arguments: [0, 1, 63, 64, 65, 1000])
func streamingDigestEqualsOneShot(splitAt split: Int) {
    let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    var digest = SHA256Digest()
    data[..<split].withUnsafeBytes { digest.update($0) }
    data[split...].withUnsafeBytes { digest.update($0) }
    #expect(digest.finalize() == Crypto.sha256(data))
}

@Test func streamingDigestResetsAfterFinalizeAndCopiesAsAValue() {
    var first = SHA256Digest()
    Array("ab".utf8).withUnsafeBytes { first.update($0) }
    var second = first  // a copy: updating it leaves `first` as it was
    Array("c".utf8).withUnsafeBytes { second.update($0) }
    #expect(Crypto.hex(second.finalize()) == Crypto.hex(Crypto.sha256("abc".utf8)))
    #expect(first.finalize() == Crypto.sha256("ab".utf8))
    // After finalize the digest is empty again.
    #expect(first.finalize() == Crypto.sha256([UInt8]()))
}

@Test func hexIsLowercaseTwoDigitsPerByte() {
    #expect(Crypto.hex([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
    #expect(Crypto.hex([UInt8]()) == "")
}

@Test func constantTimeEqualComparesContentAndLength() {
    #expect(Crypto.constantTimeEqual([1, 2, 3], [1, 2, 3]))
    #expect(Crypto.constantTimeEqual([], []))
    #expect(!Crypto.constantTimeEqual([1, 2, 3], [1, 2, 4]))
    #expect(!Crypto.constantTimeEqual([1, 2, 3], [1, 2]))
    #expect(!Crypto.constantTimeEqual([], [0]))
}

@Test func randomBytesHaveTheRequestedLengthAndDiffer() {
    #expect(Crypto.randomBytes(0).isEmpty)
    let a = Crypto.randomBytes(32)
    let b = Crypto.randomBytes(32)
    #expect(a.count == 32)
    #expect(a != b)
}
