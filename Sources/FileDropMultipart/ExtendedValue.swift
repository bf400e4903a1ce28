/// An RFC 8187 (formerly RFC 5987) extended parameter value, as in
/// `filename*=UTF-8''%E2%82%AC%20rates.txt`: `charset "'" [ language ] "'" value-chars`.
///
/// Only the UTF-8 and ISO-8859-1 charsets are decoded (the two RFC 8187 requires); the
/// language tag is ignored.
enum ExtendedValue {
    enum Decoded: Equatable {
        case text(String)
        /// Well-formed but in a charset we do not decode: the caller falls back to the
        /// plain parameter, as RFC 6266 §4.3 advises.
        case unsupportedCharset
        /// Not an ext-value, a bad percent-encoding, or bytes invalid in the charset.
        case invalid
    }

    static func decode(_ value: [UInt8]) -> Decoded {
        let parts = value.split(separator: UInt8(ascii: "'"), maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty,
            let encoded = percentDecoded(parts[2])
        else { return .invalid }
        switch String(decoding: parts[0], as: UTF8.self).lowercased() {
        case "utf-8":
            return String(validating: encoded, as: UTF8.self).map(Decoded.text) ?? .invalid
        case "iso-8859-1":
            return .text(String(String.UnicodeScalarView(encoded.map { Unicode.Scalar($0) })))
        default:
            return .unsupportedCharset
        }
    }

    /// Undoes `%XX` escapes; nil when a byte is neither attr-char nor a complete escape.
    private static func percentDecoded(_ chars: ArraySlice<UInt8>) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(chars.count)
        var index = chars.startIndex
        while index < chars.endIndex {
            let char = chars[index]
            if char == UInt8(ascii: "%") {
                guard index + 2 < chars.endIndex,
                    let high = hexValue(chars[index + 1]), let low = hexValue(chars[index + 2])
                else { return nil }
                bytes.append(high << 4 | low)
                index += 3
            } else {
                guard isAttributeByte(char) else { return nil }
                bytes.append(char)
                index += 1
            }
        }
        return bytes
    }

    /// attr-char of RFC 8187 §3.2.1: a token character other than `*`, `'` and `%`.
    private static func isAttributeByte(_ byte: UInt8) -> Bool {
        HTTPSyntax.isTokenByte(byte) && !"*'%".utf8.contains(byte)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
