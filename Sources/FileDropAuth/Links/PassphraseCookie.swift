/// The value of the cookie that says "this browser gave the passphrase of share link N": the
/// link's id, when the cookie ends, and an HMAC of both under a key derived from the server
/// key, as `ID.EXPIRES.SIGNATURE`.
///
/// It opens that one link only (another link's id does not match the signature) and only
/// until it ends, whatever the browser keeps: the server checks the time too. It carries no
/// secret and no user: it is worthless anywhere else. The HTTP side (name, `Path`, flags) is
/// the routes' business.
public struct PassphraseCookie: Sendable {
    /// Seconds a cookie works after the passphrase was given (SPEC: at most an hour).
    public static let lifetime: Int64 = 3600

    private let key: [UInt8]

    public init(serverKey: [UInt8]) {
        key = Crypto.hmacSHA256(key: serverKey, message: Array("filedrop passphrase cookies".utf8))
    }

    /// A value for link `linkID`, working for `lifetime` seconds from `now` (Unix seconds).
    public func value(linkID: Int64, now: Int64) -> String {
        let claim = "\(linkID).\(now + Self.lifetime)"
        return claim + "." + signature(claim)
    }

    /// Whether `value` was made by `value(linkID:now:)` for this link and has not ended at `now`.
    public func opens(linkID: Int64, value: some StringProtocol, now: Int64) -> Bool {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let id = Int64(parts[0]), let expires = Int64(parts[1]) else { return false }
        let claim = "\(parts[0]).\(parts[1])"
        guard Crypto.constantTimeEqual(Array(parts[2].utf8), Array(signature(claim).utf8)) else { return false }
        return id == linkID && now < expires && expires - now <= Self.lifetime
    }

    private func signature(_ claim: String) -> String {
        Base64URL.encode(Crypto.hmacSHA256(key: key, message: Array(claim.utf8)))
    }
}
