/// Base64url without padding (RFC 4648 §5), as JWS uses it (RFC 7515 §2).
///
/// Decoding is strict: `=`, `+`, `/`, whitespace and any other character outside the
/// alphabet are refused, as are lengths that leave a dangling character and non-zero unused
/// trailing bits, so every byte string has exactly one accepted text.
public enum Base64URL {
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        Base64Codec.url.encode(bytes)
    }

    /// The decoded bytes, or nil if `text` is not canonical unpadded base64url.
    public static func decode(_ text: Substring) -> [UInt8]? {
        Base64Codec.url.decode(text.utf8)
    }
}
