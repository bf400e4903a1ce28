/// Issues HS256 JSON Web Tokens (RFC 7519, signed as a JWS compact serialization, RFC 7515).
///
/// The header is exactly `{"alg":"HS256","typ":"JWT"}` and the claims are `user` (the
/// tutorial's claim) and `sub`, both the user name, then `iat`, `exp` and `jti`, so any
/// standard JWT library decodes our tokens. Time and the token ID are passed in; the signer
/// reads no clock and keeps no state.
public struct JWTSigner: Sendable {
    private let key: [UInt8]

    /// The encoded header, the same bytes PyJWT and most libraries produce.
    static let encodedHeader = Base64URL.encode(#"{"alg":"HS256","typ":"JWT"}"#.utf8)

    /// - Precondition: `key` has at least 32 bytes (RFC 7518 §3.2: an HS256 key must be at
    ///   least as long as the hash output).
    public init(key: [UInt8]) {
        precondition(key.count >= 32, "an HS256 key needs at least 32 bytes")
        self.key = key
    }

    public func sign(subject: String, issuedAt: Int64, expiresAt: Int64, tokenID: String) -> String {
        let user = JSONText.quoted(subject)
        let claims =
            #"{"user":\#(user),"sub":\#(user),"iat":\#(issuedAt),"exp":\#(expiresAt),"jti":\#(JSONText.quoted(tokenID))}"#
        let signingInput = Self.encodedHeader + "." + Base64URL.encode(claims.utf8)
        let signature = Crypto.hmacSHA256(key: key, message: signingInput.utf8)
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// A fresh `jti`: 16 random bytes in base64url (22 characters).
    public static func randomTokenID() -> String {
        Base64URL.encode(Crypto.randomBytes(16))
    }
}
