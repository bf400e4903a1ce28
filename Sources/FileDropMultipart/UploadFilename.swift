/// The name under which an upload is stored, made from the file name a client sent (SPEC,
/// "Uploads").
///
/// It keeps only the last path component after `/` or `\`, removes control characters (C0,
/// DEL and C1), cuts the result to at most ``maxBytes`` bytes of UTF-8 on a Unicode scalar
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
            } else if !isControl(scalar) {
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

    /// C0 controls, DEL, and C1 controls.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
