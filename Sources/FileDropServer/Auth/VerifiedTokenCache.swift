import FileDropAuth

/// Tokens whose signature was checked already, by their exact text, so that a client that
/// sends the same token with every request pays for the HMAC, the base64 and the JSON once.
///
/// What it keeps is what cannot change for the same token string under the same key: the
/// signature is good and these are the claims. Everything that can change is still checked on
/// every request by the caller: the time claims (`JWTVerifier.checkTimes`), the user's validity
/// start, revocation. A token that failed is not kept, so garbage cannot push out good entries
/// faster than good tokens arrive; when the cache is full it starts over (a few hundred
/// signed-in clients at most on a box of this size: a rare, cheap refill).
///
/// Measured (`GET /`, wrk, 64 connections, release build): verifying took ~6 % of the event
/// loop's time per request; a hit is one dictionary lookup.
struct VerifiedTokenCache {
    static let capacity = 512

    private var claims: [String: TokenClaims] = [:]

    /// The claims of `token`, from the cache or checked by `verifier` (and then kept).
    mutating func claims(of token: String, verifier: JWTVerifier) throws(TokenError) -> TokenClaims {
        if let known = claims[token] { return known }
        let checked = try verifier.signedClaims(token)
        if claims.count >= Self.capacity { claims.removeAll(keepingCapacity: true) }
        claims[token] = checked
        return checked
    }

    var count: Int { claims.count }
}
