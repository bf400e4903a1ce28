import FileDropAuth
import NIOCore

/// What the server knows of accounts when it checks a token, loaded from the database and
/// refreshed whenever another process changes it (see `AccountRefresher`).
struct AccountSnapshot: Sendable {
    /// User name → Unix second before which that user's tokens are void.
    var tokensValidAfter: [String: Int64] = [:]
    /// Revocation ids (`jti`, or `sig:` + signature for tokens without one) of revoked tokens.
    var revoked: Set<String> = []
    /// User name → bytes that user's files may take (users without a quota are absent).
    var quotas: [String: Int64] = [:]
}

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
/// per RFC 8725), then that the user still exists, that the token is newer than the user's
/// last password change, and that it was not revoked.
///
/// Lives on the event loop (it is not `Sendable`, and changes to the snapshot assert the loop
/// in debug builds): it touches no database; `AccountRefresher` replaces `snapshot` when the
/// accounts change, and a login or logout updates it at once.
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

    init(key: [UInt8], tokenTTL: Int64, eventLoop: EventLoop) {
        verifier = JWTVerifier(key: key)
        signer = JWTSigner(key: key)
        self.tokenTTL = tokenTTL
        self.eventLoop = eventLoop
    }

    var snapshot: AccountSnapshot {
        get { current }
        set {
            eventLoop.assertInEventLoop()
            current = newValue
        }
    }

    /// The token of a request, in SPEC order: `Authorization: Bearer`, `?token=`, the cookie.
    static func token(of request: Request) -> (String, TokenSource)? {
        if let authorization = request.headers.first(name: "authorization") {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return (String(parts[1].trimmed), .bearer)
            }
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
        guard let (token, source) = Self.token(of: request) else { return .failure(.missing) }
        guard let claims = try? verifier.verify(token, now: now) else { return .failure(.invalid) }
        guard let validAfter = snapshot.tokensValidAfter[claims.subject] else { return .failure(.invalid) }
        // A token without `iat` (the tutorial's shape) is taken as issued one lifetime before it expires.
        let issuedAt = claims.issuedAt ?? (claims.expiresAt - tokenTTL)
        guard issuedAt >= validAfter else { return .failure(.invalid) }
        let revocationID = Self.revocationID(token: token, claims: claims)
        guard !snapshot.revoked.contains(revocationID) else { return .failure(.invalid) }
        return .success(Principal(user: claims.subject, claims: claims, source: source, revocationID: revocationID))
    }

    static func revocationID(token: String, claims: TokenClaims) -> String {
        if let id = claims.tokenID { return "jti:" + id }
        return "sig:" + String(token.split(separator: ".").last ?? "")
    }

    /// A new token for `user`. Its `iat` is never before the user's validity start, so that a
    /// login in the same second as a password change still gets a working token.
    func issueToken(for user: String, now: Int64) -> (token: String, expiresIn: Int64) {
        let issuedAt = max(now, snapshot.tokensValidAfter[user] ?? now)
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
