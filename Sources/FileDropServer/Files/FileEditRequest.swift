import FileDropAuth

/// The body of `PATCH /files/ID`, per SPEC: a JSON object holding `description` (a string,
/// under the upload rules: trimmed, 1–200 scalars) and/or `expires_at` (an RFC 3339 time, or
/// null for never). Any other member, a wrong type, an empty object, duplicate members or
/// text that is not one JSON object is refused with the reason (400).
///
/// Parsing only: whether the expiry is allowed (`--max-file-ttl`) depends on the time and is
/// `FileLifetime`'s to say.
struct FileEditRequest: Equatable, Sendable {
    enum ExpiresAt: Equatable, Sendable {
        case never
        /// Unix milliseconds.
        case at(Int64)
    }

    struct Problem: Error, Equatable {
        let message: String
    }

    var description: String?
    var expiresAt: ExpiresAt?

    static let fields = ["description", "expires_at"]

    static func parse(_ bytes: [UInt8]) -> Result<FileEditRequest, Problem> {
        guard case .object(let members)? = JSONText.parse(bytes) else {
            return .failure(Problem(message: "The body must be a JSON object with description and/or expires_at"))
        }
        if let unknown = members.keys.sorted().first(where: { !fields.contains($0) }) {
            return .failure(Problem(message: "Unknown field \(JSONText.quoted(unknown)): only description and expires_at can change"))
        }
        guard !members.isEmpty else {
            return .failure(Problem(message: "Nothing to change: send description and/or expires_at"))
        }
        var edit = FileEditRequest()
        switch members["description"] {
        case nil:
            break
        case .string(let text)?:
            switch UploadDescription.parse(Array(text.utf8)) {
            case .success(let description): edit.description = description
            case .failure(let problem): return .failure(Problem(message: problem.message))
            }
        case _?:
            return .failure(Problem(message: "description must be a string"))
        }
        switch members["expires_at"] {
        case nil:
            break
        case .null?:
            edit.expiresAt = .never
        case .string(let text)?:
            guard let time = RFC3339.parse(text) else {
                return .failure(Problem(message: "expires_at must be an RFC 3339 time such as 2030-01-31T12:00:00Z, or null"))
            }
            edit.expiresAt = .at(time)
        case _?:
            return .failure(Problem(message: "expires_at must be an RFC 3339 time (a string) or null"))
        }
        return .success(edit)
    }
}
