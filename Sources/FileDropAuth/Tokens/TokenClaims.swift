/// The claims FileDrop reads from a verified JWT (RFC 7519 §4.1); others are ignored.
public struct TokenClaims: Sendable, Equatable {
    /// The user name: `sub`, or the tutorial's `user` claim when `sub` is absent.
    public var subject: String
    /// `iat`, seconds since the epoch.
    public var issuedAt: Int64?
    /// `exp`, seconds since the epoch; a fractional NumericDate is rounded down.
    public var expiresAt: Int64
    /// `nbf`, seconds since the epoch; a fractional NumericDate is rounded up.
    public var notBefore: Int64?
    /// `jti`, the token's identifier (used to revoke it on logout).
    public var tokenID: String?

    public init(
        subject: String,
        issuedAt: Int64? = nil,
        expiresAt: Int64,
        notBefore: Int64? = nil,
        tokenID: String? = nil
    ) {
        self.subject = subject
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.notBefore = notBefore
        self.tokenID = tokenID
    }
}

extension TokenClaims {
    /// Reads the claims from a JWT claims set (a JSON object), checking their types but not the
    /// time: that is `JWTVerifier`'s job.
    init(claimsSet: [String: JSONValue]) throws(TokenError) {
        guard let expiry = claimsSet["exp"] else { throw .missingExpiry }
        let sub = try Self.optionalString(claimsSet["sub"])
        let user = try Self.optionalString(claimsSet["user"])
        if let sub, let user, sub != user { throw .malformed }
        guard let subject = sub ?? user, !subject.isEmpty else { throw .missingSubject }
        self.init(
            subject: subject,
            issuedAt: try claimsSet["iat"].map { value throws(TokenError) in try Self.numericDate(value, rounding: .up)
            },
            expiresAt: try Self.numericDate(expiry, rounding: .down),
            notBefore: try claimsSet["nbf"].map { value throws(TokenError) in try Self.numericDate(value, rounding: .up)
            },
            tokenID: try Self.optionalString(claimsSet["jti"])
        )
    }

    private static func optionalString(_ value: JSONValue?) throws(TokenError) -> String? {
        switch value {
        case nil: nil
        case .string(let text): text
        default: throw .malformed
        }
    }

    /// A NumericDate (RFC 7519 §2): a JSON number of seconds, possibly fractional. Fractions are
    /// rounded in the direction that makes the token valid for less time; values beyond Int64
    /// saturate.
    private static func numericDate(_ value: JSONValue, rounding: FloatingPointRoundingRule) throws(TokenError) -> Int64 {
        guard case .number(let number) = value else { throw .malformed }
        if let integer = number.int64 { return integer }
        let seconds = number.double.rounded(rounding)
        if seconds >= 0x1p63 { return .max }
        if seconds < -0x1p63 { return .min }
        return Int64(seconds)
    }
}
