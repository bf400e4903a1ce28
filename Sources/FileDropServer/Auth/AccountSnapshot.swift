/// What the server knows of accounts when it checks a token, loaded from the database and
/// refreshed whenever another process changes it (see `AccountRefresher`).
struct AccountSnapshot: Sendable, Equatable {
    /// User name → Unix second before which that user's tokens are void.
    var tokensValidAfter: [String: Int64] = [:]
    /// Revocation ids (`jti`, or `sig:` + signature for tokens without one) of revoked tokens.
    var revoked: Set<String> = []
    /// User name → bytes that user's files may take (users without a quota are absent).
    var quotas: [String: Int64] = [:]

    /// The snapshot after a reload: `loaded` (read from the database) decides which users
    /// exist, but a user's validity start never moves back (a reload that read the database
    /// before a newer value arrived cannot undo it), and revocations this server made that
    /// the database may not hold yet (`unconfirmed`) are kept.
    func refreshed(with loaded: AccountSnapshot, unconfirmed: some Sequence<String>) -> AccountSnapshot {
        var merged = loaded
        for (name, validAfter) in loaded.tokensValidAfter {
            if let known = tokensValidAfter[name], known > validAfter {
                merged.tokensValidAfter[name] = known
            }
        }
        merged.revoked.formUnion(unconfirmed)
        return merged
    }
}
