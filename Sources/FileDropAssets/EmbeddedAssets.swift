/// The files of `Assets/`, compiled into the binary (see scripts/generate-assets.sh).
///
/// This module only holds bytes; what to serve, with which headers, is the server's business.
public enum EmbeddedAssets {
    /// Path (relative to `Assets/`) → content.
    public static let files: [String: [UInt8]] = {
        var files: [String: [UInt8]] = [:]
        for (path, base64) in encoded {
            files[path] = decodeBase64(base64)
        }
        return files
    }()

    /// Decodes standard base64 as written by `base64 -w0`.
    static func decodeBase64(_ text: String) -> [UInt8] {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(character)] = UInt8(index)
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count / 4 * 3)
        var accumulator: UInt32 = 0
        var bits = 0
        for character in text.utf8 {
            let value = table[Int(character)]
            guard value != 0xFF else { continue }  // '=' padding
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return out
    }
}
