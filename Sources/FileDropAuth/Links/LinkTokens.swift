/// The secret in a share or drop link's URL (`/s/TOKEN`, `/d/TOKEN`): 144 bits, as 24
/// base64url characters.
///
/// A token is not stored. Each link keeps a random 32-byte `seed`, and its token is
/// HMAC-SHA256(kind key, seed) cut to 18 bytes, where the kind key is derived from the server
/// key (one for share links, one for drop links, so neither kind's token opens the other).
/// The link is found by the SHA-256 of the token (`hash`), stored with a unique index.
///
/// Why this shape: the signed-in page must show a link's URL again (`GET /files/ID/links`,
/// `GET /drops`), so the token must be recoverable; deriving it from the seed with the key
/// means a copy of the database alone (a backup, a stolen disk) opens no link, while the
/// server can still show every URL. Lookups compare the SHA-256 of what a client sent, whose
/// bytes a guesser cannot steer, so the time a lookup takes says nothing about any token; the
/// token found is then compared again in constant time. Replacing the server key voids every
/// link, as it signs everyone out.
public struct LinkTokens: Sendable {
    public enum Kind: String, Sendable {
        case share, drop
    }

    /// Bytes of a token: 144 bits, which base64url writes as 24 characters without padding.
    public static let tokenBytes = 18
    public static let tokenLength = 24
    static let seedBytes = 32

    private let key: [UInt8]
    private let random: @Sendable (Int) -> [UInt8]

    /// - Parameters:
    ///   - serverKey: the server's HMAC key (the secret key file).
    ///   - random: the source of seeds (OpenSSL's generator; tests may pass their own).
    public init(serverKey: [UInt8], kind: Kind, random: @escaping @Sendable (Int) -> [UInt8] = Crypto.randomBytes) {
        key = Crypto.hmacSHA256(key: serverKey, message: Array("filedrop \(kind.rawValue) link tokens".utf8))
        self.random = random
    }

    /// A new link's seed, token and token hash.
    public func mint() -> (seed: [UInt8], token: String, hash: [UInt8]) {
        let seed = random(Self.seedBytes)
        let token = token(seed: seed)
        return (seed, token, Self.hash(token))
    }

    /// The token of the link with this seed.
    public func token(seed: [UInt8]) -> String {
        Base64URL.encode(Crypto.hmacSHA256(key: key, message: seed).prefix(Self.tokenBytes))
    }

    /// Whether `token` is the token of the link with this seed, compared in constant time.
    public func matches(_ token: Substring, seed: [UInt8]) -> Bool {
        Crypto.constantTimeEqual(Array(token.utf8), Array(self.token(seed: seed).utf8))
    }

    /// What a link is looked up by: the SHA-256 of its token's text.
    public static func hash(_ token: some StringProtocol) -> [UInt8] {
        Crypto.sha256(Array(token.utf8))
    }

    /// Whether `text` has a token's shape (24 base64url characters): the router answers 404
    /// for anything else without a lookup.
    public static func isWellFormed(_ text: some StringProtocol) -> Bool {
        text.utf8.count == tokenLength
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                    true
                default:
                    false
                }
            }
    }
}
