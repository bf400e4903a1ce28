import FileDropAuth

/// `Upload-Metadata` (tus 1.0.0 "Creation"): comma-separated pairs of a key and, after one
/// space, its value in standard base64 (padding as the client sent it, or none); a key may
/// stand alone for an empty value. Keys are unique, non-empty, printable ASCII without spaces
/// or commas. Spaces around a pair are tolerated, as clients join pairs with `", "` too.
///
/// It parses and decodes; which keys mean something is `TusCreationRequest`'s business.
/// Every value must be valid base64 whether its key is known or not: a header that is not
/// tus metadata is refused whole rather than half read.
struct UploadMetadata: Equatable, Sendable {
    /// Decoded values by key, as bytes (not every value is text).
    private(set) var values: [String: [UInt8]] = [:]

    struct Problem: Error, Equatable {
        let message: String
    }

    static func parse(_ header: String) -> Result<UploadMetadata, Problem> {
        var metadata = UploadMetadata()
        guard !header.trimmed.isEmpty else { return .success(metadata) }
        for pair in header.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = pair.trimmed
            let parts = pair.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            guard !key.isEmpty, key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                return .failure(Problem(message: "Upload-Metadata has an empty or non-ASCII key"))
            }
            guard metadata.values[key] == nil else {
                return .failure(Problem(message: "Upload-Metadata has the key \(key) twice"))
            }
            let encoded = parts.count > 1 ? parts[1] : ""
            guard let decoded = Base64.decode(encoded) else {
                return .failure(Problem(message: "Upload-Metadata value of \(key) is not base64"))
            }
            metadata.values[key] = decoded
        }
        return .success(metadata)
    }

    /// The value of `key` as UTF-8 text; nil when absent, a problem when not UTF-8.
    func text(_ key: String) -> Result<String?, Problem> {
        guard let bytes = values[key] else { return .success(nil) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(Problem(message: "Upload-Metadata value of \(key) is not UTF-8"))
        }
        return .success(text)
    }
}
