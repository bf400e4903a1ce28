import FileDropAuth
import NIOCore

/// Where a request's token came from; cookie-authenticated changes are checked for CSRF.
enum TokenSource: Sendable {
    case bearer, query, cookie
}

/// A request's verified identity.
struct Principal: Sendable {
    let user: String
    let claims: TokenClaims
    let source: TokenSource
    /// The id under which this token is revoked at logout.
    let revocationID: String
}

/// Finds and checks a request's token: the signature and time claims (`JWTVerifier`, strict
/// per RFC 8725, with `exp` no further ahead than the token lifetime), then that the user
/// still exists, that the token is newer than the user's last password change, and that it
/// was not revoked.
///
/// Lives on the event loop (it is not `Sendable`, and each change asserts the loop in debug
/// builds): it touches no database. `AccountRefresher` hands it each reload of the accounts;
/// a login notes the user it just read, a logout revokes at once. None of these can undo a
/// newer fact: validity starts only move forward, and a revocation stays in memory until the
/// database is known to hold it.
final class Authenticator {
    enum Failure: Error {
        /// No token anywhere in the request.
        case missing
        case invalid
    }

    let verifier: JWTVerifier
    let signer: JWTSigner
    let tokenTTL: Int64
    private let eventLoop: EventLoop
    private var current = AccountSnapshot()
    private var verified = VerifiedTokenCache()
    /// Revocations made here whose write to the database has not completed: id → `exp`.
    private var unconfirmedRevocations: [String: Int64] = [:]

    init(key: [UInt8], tokenTTL: Int64, eventLoop: EventLoop) {
        verifier = JWTVerifier(key: key, maxLifetime: tokenTTL)
        signer = JWTSigner(key: key)
        self.tokenTTL = tokenTTL
        self.eventLoop = eventLoop
    }

    var snapshot: AccountSnapshot { current }

    /// Takes a reload of the accounts (see `AccountSnapshot.refreshed`). Revocations that
    /// were never stored are dropped once their token expired (beyond the leeway).
    func reloaded(_ loaded: AccountSnapshot, now: Int64) {
        eventLoop.assertInEventLoop()
        unconfirmedRevocations = unconfirmedRevocations.filter { $0.value >= now - 60 }
        current = current.refreshed(with: loaded, unconfirmed: unconfirmedRevocations.keys)
    }

    /// A login read `user` from the database after checking its password: the user exists
    /// (it may be newer than the snapshot) with this validity start, unless a newer one is known.
    func noteUser(_ user: String, tokensValidAfter validAfter: Int64) {
        eventLoop.assertInEventLoop()
        current.tokensValidAfter[user] = max(current.tokensValidAfter[user] ?? validAfter, validAfter)
    }

    /// Revokes a token now; it stays revoked in memory until `revocationStored`.
    func revoke(_ revocationID: String, expiresAt: Int64) {
        eventLoop.assertInEventLoop()
        current.revoked.insert(revocationID)
        unconfirmedRevocations[revocationID] = expiresAt
    }

    /// The database holds the revocation: every reload read after this point has it.
    func revocationStored(_ revocationID: String) {
        eventLoop.assertInEventLoop()
        unconfirmedRevocations[revocationID] = nil
    }

    /// The token of a request, in SPEC order: `Authorization: Bearer`, `?token=`, the cookie.
    static func token(of request: Request) -> (String, TokenSource)? {
        if let token = request.authorization(scheme: "bearer") {
            return (String(token), .bearer)
        }
        if let token = request.queryValue("token"), !token.isEmpty {
            return (token, .query)
        }
        if let token = request.cookie("token"), !token.isEmpty {
            return (token, .cookie)
        }
        return nil
    }

    func authenticate(_ request: Request, now: Int64) -> Result<Principal, Failure> {
        eventLoop.assertInEventLoop()
        guard let (token, source) = Self.token(of: request) else { return .failure(.missing) }
        guard let claims = try? verified.claims(of: token, verifier: verifier), (try? verifier.checkTimes(claims, now: now)) != nil
        else { return .failure(.invalid) }
        guard let validAfter = current.tokensValidAfter[claims.subject] else { return .failure(.invalid) }
        // A token without `iat` (the tutorial's shape) is taken as issued one lifetime before
        // it expires; the verifier has refused any whose `exp` lies further ahead than that.
        let issuedAt = claims.issuedAt ?? (claims.expiresAt - tokenTTL)
        guard issuedAt >= validAfter else { return .failure(.invalid) }
        let revocationID = Self.revocationID(token: token, claims: claims)
        guard !current.revoked.contains(revocationID) else { return .failure(.invalid) }
        return .success(Principal(user: claims.subject, claims: claims, source: source, revocationID: revocationID))
    }

    static func revocationID(token: String, claims: TokenClaims) -> String {
        if let id = claims.tokenID { return "jti:" + id }
        return "sig:" + String(token.split(ascii: ".").last ?? "")
    }

    /// A new token for `user`, issued at `now`. Its `iat` is never before the user's validity
    /// start, so that a login in the same second as a password change still gets a working token.
    func issueToken(for user: String, now: Int64) -> (token: String, expiresIn: Int64) {
        let issuedAt = max(now, current.tokensValidAfter[user] ?? now)
        let token = signer.sign(
            subject: user,
            issuedAt: issuedAt,
            expiresAt: issuedAt + tokenTTL,
            tokenID: JWTSigner.randomTokenID()
        )
        return (token, tokenTTL)
    }
}

@available(*, unavailable)
extension Authenticator: Sendable {}
