import Testing

@testable import FileDropAuth

@Suite struct LinkTokensTests {
    private let key = Array(repeating: UInt8(0x61), count: 32)

    @Test func aTokenIs24Base64URLCharactersDerivedFromItsSeed() throws {
        let tokens = LinkTokens(serverKey: key, kind: .share)
        let minted = tokens.mint()
        #expect(minted.token.utf8.count == 24)
        #expect(LinkTokens.isWellFormed(minted.token))
        #expect(try #require(Base64URL.decode(Substring(minted.token))).count == 18)  // 144 bits
        #expect(tokens.token(seed: minted.seed) == minted.token)
        #expect(minted.hash == Crypto.sha256(Array(minted.token.utf8)))
        #expect(tokens.matches(Substring(minted.token), seed: minted.seed))
        let other = (minted.token.first == "A" ? "B" : "A") + minted.token.dropFirst()
        #expect(!tokens.matches(Substring(other), seed: minted.seed))
    }

    @Test func seedsAreRandomAndTokensDiffer() {
        let tokens = LinkTokens(serverKey: key, kind: .drop)
        let made = Set((0..<200).map { _ in tokens.mint().token })
        #expect(made.count == 200)
    }

    /// The same seed gives another token under another key or for the other kind of link:
    /// neither a database copy without the key nor a share token opens anything else.
    @Test func theTokenDependsOnTheKeyAndTheKind() {
        let seed = Array(repeating: UInt8(7), count: 32)
        let share = LinkTokens(serverKey: key, kind: .share).token(seed: seed)
        #expect(LinkTokens(serverKey: key, kind: .drop).token(seed: seed) != share)
        #expect(LinkTokens(serverKey: Array(repeating: 0x62, count: 32), kind: .share).token(seed: seed) != share)
    }

    @Test func randomnessIsInjected() {
        let fixed = LinkTokens(serverKey: key, kind: .share, random: { Array(repeating: 1, count: $0) })
        #expect(fixed.mint().token == fixed.mint().token)
    }

    @Test(arguments: [
        ("AAAAAAAAAAAAAAAAAAAAAAAA", true), ("abc-_0123456789xyzXYZ-_", false), ("abc-_0123456789xyzXYZ-_9", true),
        ("AAAAAAAAAAAAAAAAAAAAAAA=", false), ("AAAAAAAAAAAAAAAAAAAAAAA/", false), ("AAAAAAAAAAAAAAAAAAAAAAAAA", false), ("", false),
        ("AAAAAAAAAAAAAAAAAAAAAA%41", false),
    ])
    func theShapeOfAToken(text: String, wellFormed: Bool) {
        #expect(LinkTokens.isWellFormed(text) == wellFormed)
    }
}
