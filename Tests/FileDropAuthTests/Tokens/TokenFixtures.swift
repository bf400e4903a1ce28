import COpenSSL

@testable import FileDropAuth

/// Builds tokens by hand, so that tests can make every kind of wrong token.
enum TokenFixtures {
    /// 64 ASCII bytes, the shape of a generated key file (also the key of the PyJWT fixtures).
    static let key = Array("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".utf8)
    static let otherKey = [UInt8](repeating: 0x42, count: 32)
    static let now: Int64 = 1_700_000_000
    static let header = #"{"alg":"HS256","typ":"JWT"}"#

    static var verifier: JWTVerifier { JWTVerifier(key: key) }

    /// Claims valid at `now` with `exp` an hour ahead, plus `extra` members (raw JSON).
    static func claims(_ extra: String = "", exp: String? = String(now + 3600)) -> String {
        var members = [#""sub":"alice""#, #""iat":\#(now)"#]
        if let exp { members.append(#""exp":\#(exp)"#) }
        if !extra.isEmpty { members.append(extra) }
        return "{" + members.joined(separator: ",") + "}"
    }

    enum Signature {
        case hs256([UInt8])
        case hmac(digest: OpaquePointer, key: [UInt8])
        case literal(String)
    }

    static func encode(_ text: String) -> String {
        Base64URL.encode(text.utf8)
    }

    /// `header.payload.signature` with the JSON texts encoded and the signature computed over
    /// exactly the encoded segments.
    static func token(header: String = header, payload: String, signature: Signature = .hs256(key)) -> String {
        signed(encode(header) + "." + encode(payload), signature)
    }

    /// `signingInput` followed by "." and its signature.
    static func signed(_ signingInput: String, _ signature: Signature = .hs256(key)) -> String {
        let encodedSignature: String
        switch signature {
        case .hs256(let key):
            encodedSignature = Base64URL.encode(Crypto.hmacSHA256(key: key, message: signingInput.utf8))
        case .hmac(let digest, let key):
            encodedSignature = Base64URL.encode(hmac(digest: digest, key: key, message: Array(signingInput.utf8)))
        case .literal(let text):
            encodedSignature = text
        }
        return signingInput + "." + encodedSignature
    }

    /// HMAC with any OpenSSL digest (for HS384 and HS512 tokens).
    static func hmac(digest: OpaquePointer, key: [UInt8], message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = HMAC(digest, key, Int32(key.count), message, message.count, &output, &length)
        return Array(output.prefix(Int(length)))
    }
}
