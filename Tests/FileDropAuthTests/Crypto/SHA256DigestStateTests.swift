import FileDropAuth
import Testing

/// A digest's saved state: exported mid-stream and imported again (as a resumable upload does
/// across requests and restarts), it gives the digest of one pass; damaged states are refused.
@Suite struct SHA256DigestStateTests {
    private static let data = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ ($0 >> 9)) }

    @Test(arguments: [0, 1, 55, 63, 64, 65, 127, 128, 1000, 4999, 5000])
    func aStateSavedAndRestoredMidStreamGivesTheOnePassDigest(savedAt split: Int) throws {
        var first = SHA256Digest()
        Self.data[..<split].withUnsafeBytes { first.update($0) }
        let saved = first.state
        #expect(saved.count == SHA256Digest.stateByteCount)
        var resumed = try #require(SHA256Digest(state: saved))
        #expect(resumed.state == saved)
        Self.data[split...].withUnsafeBytes { resumed.update($0) }
        #expect(resumed.finalize() == Crypto.sha256(Self.data))
    }

    @Test func manyRestoresInARowGiveTheOnePassDigest() throws {
        var digest = SHA256Digest()
        for start in stride(from: 0, to: Self.data.count, by: 37) {
            digest = try #require(SHA256Digest(state: digest.state))
            Self.data[start..<min(start + 37, Self.data.count)].withUnsafeBytes { digest.update($0) }
        }
        #expect(digest.finalize() == Crypto.sha256(Self.data))
    }

    @Test func theStateOfAnEmptyDigestIsAnEmptyDigest() throws {
        var restored = try #require(SHA256Digest(state: SHA256Digest().state))
        #expect(restored.finalize() == Crypto.sha256([UInt8]()))
    }

    /// A known state, written out by hand: "abc" is 24 bits, three bytes in the partial block.
    @Test func theSavedFormIsFixed() {
        var digest = SHA256Digest()
        Array("abc".utf8).withUnsafeBytes { digest.update($0) }
        let state = digest.state
        #expect(state[0] == 1)
        // The initial chaining words (FIPS 180-4 §5.3.3), big-endian: nothing was compressed yet.
        #expect(Array(state[1..<5]) == [0x6A, 0x09, 0xE6, 0x67])
        #expect(Array(state[29..<33]) == [0x5B, 0xE0, 0xCD, 0x19])
        #expect(Array(state[33..<37]) == [0, 0, 0, 24])  // bits, low word
        #expect(Array(state[37..<41]) == [0, 0, 0, 0])  // bits, high word
        #expect(Array(state[41..<45]) == [0, 0, 0, 3])  // bytes in the partial block
        #expect(Array(state[45..<48]) == Array("abc".utf8))
    }

    /// Ways a saved state can be damaged; each must be refused.
    enum Damage: CaseIterable, Sendable {
        case tooShort, tooLong, anotherVersion, nothing
        case partialBlockLongerThanABlock, blockLengthTheBitCountDoesNotGive, bitCountNotWholeBytes

        func apply(to state: [UInt8]) -> [UInt8] {
            var state = state
            switch self {
            case .tooShort: state.removeLast()
            case .tooLong: state.append(0)
            case .anotherVersion: state[0] = 2
            case .nothing: state = []
            case .partialBlockLongerThanABlock: state[44] = 64
            case .blockLengthTheBitCountDoesNotGive: state[44] = 4
            case .bitCountNotWholeBytes: state[36] = 25
            }
            return state
        }
    }

    @Test(arguments: Damage.allCases)
    func aDamagedStateIsRefused(_ damage: Damage) {
        var digest = SHA256Digest()
        Array("abc".utf8).withUnsafeBytes { digest.update($0) }
        #expect(SHA256Digest(state: digest.state) != nil)
        #expect(SHA256Digest(state: damage.apply(to: digest.state)) == nil)
    }

    @Test func sha1KnownAnswers() {
        var digest = SHA1Digest()
        Array("hello world".utf8).withUnsafeBytes { digest.update($0) }
        // The example of the tus checksum extension: "Kq5sNclPz7QV2+lfQIuc6R7oRu0=".
        #expect(Base64.encode(digest.finalize()) == "Kq5sNclPz7QV2+lfQIuc6R7oRu0=")
        #expect(Crypto.hex(digest.finalize()) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
    }
}
