import FileDropAuth

/// Who may read `/metrics` besides signed-in users: a client presenting the
/// `--metrics-token` as `Authorization: Bearer`. The token is compared in constant time
/// (their SHA-256 digests, so that not even the length shows) and opens nothing else: every
/// other route checks tokens as JWTs, and this one is not one.
struct MetricsAccess: Sendable {
    private let digest: [UInt8]?

    init(token: String?) {
        digest = token.map { Crypto.sha256(Array($0.utf8)) }
    }

    func allows(_ request: Request) -> Bool {
        guard let digest, let token = request.authorization(scheme: "bearer") else { return false }
        return Crypto.constantTimeEqual(Crypto.sha256(Array(token.utf8)), digest)
    }
}
