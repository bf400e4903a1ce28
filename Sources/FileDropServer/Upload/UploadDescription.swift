/// The `description` field, per SPEC: valid UTF-8, stored trimmed, 1 to 200 Unicode scalars
/// after trimming.
enum UploadDescription {
    static let maxScalars = 200

    struct Problem: Error {
        let message: String
    }

    static func parse(_ bytes: [UInt8]?) -> Result<String, Problem> {
        guard let bytes else { return .failure(Problem(message: "A description is required")) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(Problem(message: "The description is not valid UTF-8"))
        }
        let trimmed = trim(text)
        guard !trimmed.isEmpty else { return .failure(Problem(message: "A description is required")) }
        guard trimmed.unicodeScalars.count <= maxScalars else {
            return .failure(Problem(message: "The description is too long (\(maxScalars) characters at most)"))
        }
        return .success(trimmed)
    }

    /// Removes leading and trailing white space (Unicode `White_Space`, newlines included).
    static func trim(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
