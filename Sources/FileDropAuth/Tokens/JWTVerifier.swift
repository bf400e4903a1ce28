/// Verifies HS256 JSON Web Tokens strictly, following RFC 8725 (JWT Best Current Practices).
///
/// In order: the size limit (before any decoding); exactly three segments of canonical
/// base64url; a JSON object header whose `alg` is exactly "HS256" (no "none", no other
/// algorithm, RFC 8725 §3.1), with no `crit` and a `typ`, if any, of "JWT"; then the HMAC,
/// compared in constant time, before anything in the payload is looked at; then the claims:
/// `exp` required and, with a `maxLifetime`, no further ahead than that lifetime (so a token
/// without `iat` cannot claim to outlive password changes), `nbf` and `iat` not in the
/// future, `sub` (or the tutorial's `user`) naming the user. Clock skew of `leeway` seconds is
/// allowed each way.
///
/// It does not check revocation or whether the user still exists: that needs the database,
/// and is the caller's job with the returned `subject` and `tokenID`. Time is passed in.
public struct JWTVerifier: Sendable {
    private let key: [UInt8]
    private let leeway: Int64
    private let maxTokenBytes: Int
    private let maxLifetime: Int64?

    /// - Parameter maxLifetime: the longest a token may still be valid, in seconds: one whose
    ///   `exp` lies further ahead than this plus the leeway is refused. nil: no limit.
    /// - Precondition: `key` has at least 32 bytes (RFC 7518 §3.2); `leeway` ≥ 0.
    public init(key: [UInt8], leeway: Int64 = 30, maxTokenBytes: Int = 8 * 1024, maxLifetime: Int64? = nil) {
        precondition(key.count >= 32, "an HS256 key needs at least 32 bytes")
        precondition(leeway >= 0, "leeway must not be negative")
        self.key = key
        self.leeway = leeway
        self.maxTokenBytes = maxTokenBytes
        self.maxLifetime = maxLifetime
    }

    /// The claims of `token` if it is valid at `now` (seconds since the epoch).
    public func verify(_ token: String, now: Int64) throws(TokenError) -> TokenClaims {
        let claims = try signedClaims(token)
        try checkTimes(claims, now: now)
        return claims
    }

    /// The claims of `token` once its structure, header and signature have been checked and
    /// its claims parsed, before any time check: what stays true of the same token string
    /// forever, so a caller may keep it (see `checkTimes` for what must be checked each use).
    public func signedClaims(_ token: String) throws(TokenError) -> TokenClaims {
        let payload = try verifiedPayload(token)
        guard case .object(let claimsSet) = try? JSONParser.parse(payload) else { throw .malformed }
        return try TokenClaims(claimsSet: claimsSet)
    }

    /// The time checks of `claims` at `now`: not expired, not expiring too late, not used
    /// before `nbf` or `iat`.
    public func checkTimes(_ claims: TokenClaims, now: Int64) throws(TokenError) {
        if now > claims.expiresAt.addingSaturating(leeway) { throw .expired }
        if let maxLifetime, claims.expiresAt > now.addingSaturating(maxLifetime).addingSaturating(leeway) {
            throw .expiresTooLate
        }
        let latestStart = now.addingSaturating(leeway)
        if let notBefore = claims.notBefore, notBefore > latestStart { throw .notYetValid }
        if let issuedAt = claims.issuedAt, issuedAt > latestStart { throw .notYetValid }
    }

    /// The payload bytes of `token` once its structure, header and signature have been
    /// checked; nothing in them has been parsed yet.
    func verifiedPayload(_ token: String) throws(TokenError) -> [UInt8] {
        let utf8 = token.utf8
        guard utf8.count <= maxTokenBytes else { throw .tooLarge }
        let segments = utf8.split(separator: UInt8(ascii: "."), maxSplits: 3, omittingEmptySubsequences: false)
        guard segments.count == 3,
            let header = Base64Codec.url.decode(segments[0]),
            let payload = Base64Codec.url.decode(segments[1]),
            let signature = Base64Codec.url.decode(segments[2])
        else {
            throw .malformed
        }
        try Self.checkHeader(header)
        let signingInput = utf8[utf8.startIndex..<segments[1].endIndex]
        let expected = Crypto.hmacSHA256(key: key, message: signingInput)
        guard Crypto.constantTimeEqual(expected, signature) else { throw .badSignature }
        return payload
    }

    /// The JOSE header (RFC 7515 §4): only HS256, no critical extensions, `typ` "JWT" if given.
    private static func checkHeader(_ bytes: [UInt8]) throws(TokenError) {
        guard case .object(let header) = try? JSONParser.parse(bytes) else { throw .malformed }
        switch header["alg"] {
        case .string("HS256"): break
        case .string: throw .unsupportedAlgorithm
        default: throw .malformed
        }
        // RFC 7515 §4.1.11: we understand no extension, so any `crit` means we must refuse.
        guard header["crit"] == nil else { throw .malformed }
        switch header["typ"] {
        case nil: break
        case .string(let type) where type.lowercased() == "jwt": break
        default: throw .malformed
        }
    }
}

extension Int64 {
    /// `self + other`, clamped to Int64's range instead of trapping.
    func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }
}
