/// Standard base64 (RFC 4648 §4), as `base64(1)`, HTTP Basic credentials (RFC 7617) and PHC
/// strings write it: with or without `=` padding.
///
/// Decoding is strict apart from the padding: when present it must be what the length calls
/// for (one or two `=` making a multiple of four characters); whitespace, the URL-safe
/// alphabet and non-zero unused trailing bits are refused. So every byte string has exactly
/// two accepted texts, padded and unpadded. The one base64 decoder of the program, shared
/// by the server's Basic login and its compiled-in assets.
public enum Base64 {
    /// Padded, as `base64 -w0` writes it.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let text = Base64Codec.standard.encode(bytes)
        return text + String(repeating: "=", count: (4 - text.utf8.count % 4) % 4)
    }

    /// The decoded bytes, or nil if `text` is not canonical base64 (padded or not).
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = text.utf8
        let padding = utf8.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        if padding > 0 {
            guard padding <= 2, utf8.count % 4 == 0 else { return nil }
        }
        return Base64Codec.standard.decode(utf8.dropLast(padding))
    }
}
