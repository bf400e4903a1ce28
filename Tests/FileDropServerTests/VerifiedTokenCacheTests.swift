import FileDropAuth
import Testing

@testable import FileDropServer

/// The cache keeps what a token's signature proves and nothing that time can change.
@Suite struct VerifiedTokenCacheTests {
    let key = Array(repeating: UInt8(0x61), count: 32)

    @Test func aKnownTokenIsNotCheckedAgainButItsTimesAre() throws {
        let verifier = JWTVerifier(key: key, maxLifetime: 1200)
        let token = JWTSigner(key: key).sign(subject: "ann", issuedAt: 1000, expiresAt: 2200, tokenID: "t1")
        var cache = VerifiedTokenCache()
        let claims = try cache.claims(of: token, verifier: verifier)
        #expect(claims.subject == "ann" && cache.count == 1)
        #expect(try cache.claims(of: token, verifier: verifier) == claims && cache.count == 1)
        // Kept claims still expire: the caller checks the times at every use.
        #expect(throws: TokenError.expired) { try verifier.checkTimes(claims, now: 2231) }
        #expect(throws: Never.self) { try verifier.checkTimes(claims, now: 2230) }
    }

    @Test func aTokenThatFailsIsNotKept() {
        let verifier = JWTVerifier(key: key)
        let token = JWTSigner(key: key).sign(subject: "ann", issuedAt: 1000, expiresAt: 2200, tokenID: "t1")
        var cache = VerifiedTokenCache()
        let tampered = String(token.dropLast()) + (token.hasSuffix("A") ? "B" : "A")
        #expect(throws: TokenError.self) { try cache.claims(of: tampered, verifier: verifier) }
        let other = JWTSigner(key: Array(repeating: 0x62, count: 32)).sign(subject: "ann", issuedAt: 1, expiresAt: 2, tokenID: "x")
        #expect(throws: TokenError.badSignature) { try cache.claims(of: other, verifier: verifier) }
        #expect(cache.count == 0)
    }

    @Test func aFullCacheStartsOver() throws {
        let verifier = JWTVerifier(key: key)
        let signer = JWTSigner(key: key)
        var cache = VerifiedTokenCache()
        for index in 0..<VerifiedTokenCache.capacity {
            _ = try cache.claims(of: signer.sign(subject: "u", issuedAt: 1, expiresAt: 2, tokenID: "\(index)"), verifier: verifier)
        }
        #expect(cache.count == VerifiedTokenCache.capacity)
        _ = try cache.claims(of: signer.sign(subject: "u", issuedAt: 1, expiresAt: 2, tokenID: "one more"), verifier: verifier)
        #expect(cache.count == 1)
    }
}
