/// The name under which an upload is stored, made from the file name a client sent (SPEC,
/// "Uploads").
///
/// It keeps only the last path component after `/` or `\`, removes control characters (C0,
/// DEL and C1) and the invisible characters that change how a name reads (zero-width and
/// direction marks, embeddings, overrides and isolates, the byte order mark: a name shown
/// as `invoice`, U+202E, `fdp.exe` reads `invoiceexe.pdf`), cuts the result to at most ``maxBytes`` bytes of UTF-8 on a Unicode scalar
/// boundary, and answers ``fallback`` when nothing usable is left (empty, `.` or `..`).
/// It does not escape anything for HTML or headers: that is for whoever writes it out.
public enum UploadFilename {
    /// The longest stored name in UTF-8 bytes: what common file systems allow.
    public static let maxBytes = 255
    /// The name used when the client's name leaves nothing usable.
    public static let fallback = "upload"

    /// Cleans `raw` (a ``MultipartPartHead/filename``); nil gives ``fallback``.
    public static func clean(_ raw: String?) -> String {
        guard let raw else { return fallback }
        var lastComponent = Substring.UnicodeScalarView()
        for scalar in raw.unicodeScalars {
            if scalar == "/" || scalar == "\\" {
                lastComponent.removeAll(keepingCapacity: true)
            } else if !isControl(scalar) && !isInvisibleFormatting(scalar) {
                lastComponent.append(scalar)
            }
        }
        var cleaned = String.UnicodeScalarView()
        var byteCount = 0
        for scalar in lastComponent {
            byteCount += UTF8.width(scalar)
            guard byteCount <= maxBytes else { break }
            cleaned.append(scalar)
        }
        let name = String(cleaned)
        return name.isEmpty || name == "." || name == ".." ? fallback : name
    }

    /// Zero-width space, joiners and direction marks (U+200B–U+200F), embeddings and
    /// overrides (U+202A–U+202E), isolates (U+2066–U+2069), and the byte order mark (U+FEFF).
    private static func isInvisibleFormatting(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x200B...0x200F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF: true
        default: false
        }
    }

    /// C0 controls, DEL, and C1 controls.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
