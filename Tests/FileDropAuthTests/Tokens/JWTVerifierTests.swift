import Testing

@testable import FileDropAuth

private typealias F = TokenFixtures

/// RFC 7515 Appendix A.1: the HS256 example JWS and its JWK key.
enum RFC7515A1 {
    static let token =
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
        + ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
        + ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let key = Base64URL.decode(
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
    )!
    static let payload = "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"
}

@Test func rfc7515ExampleSignatureVerifies() throws {
    let verifier = JWTVerifier(key: RFC7515A1.key)
    #expect(try verifier.verifiedPayload(RFC7515A1.token) == Array(RFC7515A1.payload.utf8))
    // Its claims name no user (only `iss`), so the full check stops there, after the signature
    // and before the time, which is 380 s before its exp.
    #expect(throws: TokenError.missingSubject) { try verifier.verify(RFC7515A1.token, now: 1_300_819_000) }
    #expect(throws: TokenError.badSignature) { try JWTVerifier(key: F.key).verify(RFC7515A1.token, now: 1_300_819_000) }
}

@Test func ownTokenVerifiesWithItsClaims() throws {
    let signer = JWTSigner(key: F.key)
    let token = signer.sign(subject: "alice", issuedAt: F.now, expiresAt: F.now + 1200, tokenID: "id-1")
    let claims = try F.verifier.verify(token, now: F.now)
    #expect(claims == TokenClaims(subject: "alice", issuedAt: F.now, expiresAt: F.now + 1200, tokenID: "id-1"))
}

@Test func ownTokenHasTheStandardHeaderAndClaims() throws {
    let token = JWTSigner(key: F.key).sign(subject: "alice", issuedAt: 1, expiresAt: 2, tokenID: "j")
    let parts = token.split(separator: ".")
    try #require(parts.count == 3)
    #expect(parts[0] == "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9")  // what PyJWT writes
    let payload = try #require(Base64URL.decode(parts[1]))
    #expect(String(decoding: payload, as: UTF8.self) == #"{"user":"alice","sub":"alice","iat":1,"exp":2,"jti":"j"}"#)
}

@Test(arguments: ["al\"ice", "back\\slash", "line\nbreak", "tab\tand\u{1}", "Zoë 👩🏽‍💻", "</script>"])
func subjectsNeedingEscapesRoundTrip(_ subject: String) throws {
    let token = JWTSigner(key: F.key).sign(subject: subject, issuedAt: F.now, expiresAt: F.now + 60, tokenID: "x")
    #expect(try F.verifier.verify(token, now: F.now).subject == subject)
}

@Test func randomTokenIDsAre16BytesOfBase64URL() {
    let id = JWTSigner.randomTokenID()
    #expect(id.count == 22)
    #expect(Base64URL.decode(Substring(id))?.count == 16)
    #expect(id != JWTSigner.randomTokenID())
}

/// Made with PyJWT 2.15.1: `jwt.encode(claims, key, algorithm="HS256")` with `F.key`.
@Test func pyJWTTokensVerify() throws {
    let tutorial =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyIjoiYWxpY2UiLCJleHAiOjIwMDAwMDAwMDB9"
        + ".PNd3vZW4YUYWKOGiw163gdt-gavAT_NfJ6IOXFI-lpU"
    #expect(try F.verifier.verify(tutorial, now: F.now) == TokenClaims(subject: "alice", expiresAt: 2_000_000_000))
    let full =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
        + ".eyJ1c2VyIjoiYm9iIiwic3ViIjoiYm9iIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDEyMDAsImp0aSI6ImFiYyJ9"
        + ".8yLmLNnVstH6if0XBdBDzDnSrwDKghoUu9ddSu26FHU"
    #expect(
        try F.verifier.verify(full, now: F.now)
            == TokenClaims(subject: "bob", issuedAt: 1_700_000_000, expiresAt: 1_700_001_200, tokenID: "abc")
    )
}

@Test func tutorialStyleTokenWithOnlyUserAndExpVerifies() throws {
    let token = F.token(header: #"{"typ":"JWT","alg":"HS256"}"#, payload: #"{"user":"alice","exp":\#(F.now + 60)}"#)
    let claims = try F.verifier.verify(token, now: F.now)
    #expect(claims == TokenClaims(subject: "alice", expiresAt: F.now + 60))
}

@Test(arguments: [-20, -30, 0, 3600] as [Int64])
func tokenInsideTheLeewayVerifies(expiresIn seconds: Int64) throws {
    let token = F.token(payload: F.claims(exp: String(F.now + seconds)))
    #expect(try F.verifier.verify(token, now: F.now).expiresAt == F.now + seconds)
}

@Test func notBeforeAndIssuedAtSlightlyAheadAreWithinLeeway() throws {
    let token = F.token(payload: #"{"sub":"a","iat":\#(F.now + 30),"nbf":\#(F.now + 20),"exp":\#(F.now + 60)}"#)
    let claims = try F.verifier.verify(token, now: F.now)
    #expect(claims.notBefore == F.now + 20)
    #expect(claims.issuedAt == F.now + 30)
}

@Test func fractionalNumericDatesAreAccepted() throws {
    let token = F.token(payload: #"{"sub":"a","iat":\#(F.now).25,"nbf":\#(F.now - 1).5,"exp":\#(F.now + 60).9}"#)
    let claims = try F.verifier.verify(token, now: F.now)
    #expect(claims.expiresAt == F.now + 60)  // rounded down: never later than the token says
    #expect(claims.notBefore == F.now)  // rounded up: never earlier
    #expect(claims.issuedAt == F.now + 1)
}

@Test func hugeExpiryDoesNotOverflow() throws {
    let token = F.token(payload: #"{"sub":"a","exp":1e300}"#)
    #expect(try F.verifier.verify(token, now: F.now).expiresAt == .max)
    let integer = F.token(payload: #"{"sub":"a","exp":9223372036854775807}"#)
    #expect(try F.verifier.verify(integer, now: F.now).expiresAt == .max)
    let ancient = F.token(payload: #"{"sub":"a","exp":-9223372036854775808}"#)
    #expect(throws: TokenError.expired) { try F.verifier.verify(ancient, now: F.now) }
}

@Test func headerVariantsThatAreAllowed() throws {
    for header in [#"{"alg":"HS256"}"#, #"{"alg":"HS256","typ":"jwt"}"#, #"{"kid":"k1","alg":"HS256","typ":"JWT"}"#] {
        #expect(try F.verifier.verify(F.token(header: header, payload: F.claims()), now: F.now).subject == "alice")
    }
}

@Test func matchingSubAndUserAreAccepted() throws {
    let token = F.token(payload: F.claims(#""user":"alice""#))
    #expect(try F.verifier.verify(token, now: F.now).subject == "alice")
}

@Test func sizeLimitIsInclusive() throws {
    // Find a padding length giving a token of exactly the limit.
    let limit = 8 * 1024
    var token = ""
    for length in 5000... {
        token = F.token(payload: F.claims(#""pad":"\#(String(repeating: "x", count: length))""#))
        if token.utf8.count >= limit { break }
    }
    try #require(token.utf8.count == limit)
    #expect(throws: Never.self) { try F.verifier.verify(token, now: F.now) }
    #expect(throws: TokenError.tooLarge) { try F.verifier.verify(token + "A", now: F.now) }
    #expect(throws: TokenError.tooLarge) { try JWTVerifier(key: F.key, maxTokenBytes: 100).verify(token, now: F.now) }
}

// MARK: Token age

@Test(arguments: [
    (F.now + 1200, true), (F.now + 1230, true), (F.now + 1231, false), (F.now + 86_400, false), (Int64.max, false),
])
func aTokenMayNotExpireFurtherAheadThanItsLifetime(exp: Int64, accepted: Bool) {
    let verifier = JWTVerifier(key: F.key, maxLifetime: 1200)
    // The tutorial's shape (no iat) and ours: the rule is the same.
    for payload in [#"{"user":"alice","exp":\#(exp)}"#, #"{"sub":"alice","iat":\#(F.now),"exp":\#(exp)}"#] {
        let token = F.token(payload: payload)
        if accepted {
            #expect((try? verifier.verify(token, now: F.now)) != nil)
        } else {
            #expect(throws: TokenError.expiresTooLate) { try verifier.verify(token, now: F.now) }
        }
    }
    // Without a lifetime (the default) only exp in the past is refused.
    #expect((try? F.verifier.verify(F.token(payload: #"{"user":"alice","exp":\#(exp)}"#), now: F.now)) != nil)
}

@Test func aFarExpiryGivenAsAHugeNumberIsRefused() {
    let verifier = JWTVerifier(key: F.key, maxLifetime: 1200)
    #expect(throws: TokenError.expiresTooLate) { try verifier.verify(F.token(payload: #"{"user":"alice","exp":1e300}"#), now: F.now) }
}
