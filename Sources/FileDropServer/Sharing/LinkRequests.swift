import FileDropAuth

/// `POST /files/ID/links`, checked: how long the link lives, how many downloads, which passphrase.
struct ShareLinkRequest: Equatable, Sendable {
    var expiresIn: Int64
    var maxDownloads: Int64?
    var passphrase: String?
}

/// `POST /drops`, checked: what the link is for, how long it lives, how much it takes.
struct DropLinkRequest: Equatable, Sendable {
    var label: String
    var expiresIn: Int64
    var maxFiles: Int64?
    var maxBytes: Int64?
}

/// Parses the JSON bodies that make links, per SPEC "Sharing" (Shapes): a JSON object whose
/// `expires_in`, `max_downloads`, `max_files` and `max_bytes` are positive integers (a limit
/// not given, or null, is no limit; `expires_in` not given is 7 days, and more than
/// `--max-link-ttl` is refused, not clamped). An empty body is an empty object, so that
/// `curl -X POST` makes a link with the defaults. Anything else is a 400 with a message
/// naming the field: another type, 0, a negative or fractional number, a field this does not
/// know (a typo would otherwise be silently ignored).
enum LinkRequests {
    /// A link lives a week unless asked otherwise (or less, when `--max-link-ttl` is shorter).
    static let defaultLifetime: Int64 = 7 * 86_400
    static let maxLabelScalars = 100
    static let maxPassphraseScalars = 256

    struct Problem: Error, Equatable {
        let message: String
    }

    static func shareLink(_ body: [UInt8], maxLinkTTL: Int64) -> Result<ShareLinkRequest, Problem> {
        Result { () throws(Problem) in
            let fields = try object(body, known: ["expires_in", "max_downloads", "passphrase"])
            return ShareLinkRequest(
                expiresIn: try lifetime(fields["expires_in"], maxLinkTTL: maxLinkTTL),
                maxDownloads: try positiveInteger(fields["max_downloads"], name: "max_downloads"),
                passphrase: try passphrase(fields["passphrase"])
            )
        }
    }

    static func dropLink(_ body: [UInt8], maxLinkTTL: Int64) -> Result<DropLinkRequest, Problem> {
        Result { () throws(Problem) in
            let fields = try object(body, known: ["label", "expires_in", "max_files", "max_bytes"])
            return DropLinkRequest(
                label: try label(fields["label"]),
                expiresIn: try lifetime(fields["expires_in"], maxLinkTTL: maxLinkTTL),
                maxFiles: try positiveInteger(fields["max_files"], name: "max_files"),
                maxBytes: try positiveInteger(fields["max_bytes"], name: "max_bytes")
            )
        }
    }

    // MARK: Fields

    private static func object(_ body: [UInt8], known: Set<String>) throws(Problem) -> [String: JSONValue] {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) { return [:] }
        guard case .object(let members)? = JSONText.parse(body) else {
            throw Problem(message: "The body must be a JSON object")
        }
        if let unknown = members.keys.sorted().first(where: { !known.contains($0) }) {
            throw Problem(message: "Unknown field \(JSONText.quoted(unknown)); known fields: \(known.sorted().joined(separator: ", "))")
        }
        return members
    }

    private static func lifetime(_ value: JSONValue?, maxLinkTTL: Int64) throws(Problem) -> Int64 {
        guard let seconds = try positiveInteger(value, name: "expires_in") else { return min(defaultLifetime, maxLinkTTL) }
        guard seconds <= maxLinkTTL else {
            throw Problem(message: "expires_in must be at most \(maxLinkTTL) seconds (the server's --max-link-ttl)")
        }
        return seconds
    }

    /// nil for a missing or null value.
    private static func positiveInteger(_ value: JSONValue?, name: String) throws(Problem) -> Int64? {
        switch value {
        case nil, .null?:
            return nil
        case .number(let number)? where (number.int64 ?? 0) >= 1:
            return number.int64
        default:
            throw Problem(message: "\(name) must be a positive whole number")
        }
    }

    private static func passphrase(_ value: JSONValue?) throws(Problem) -> String? {
        switch value {
        case nil, .null?:
            return nil
        case .string(let text)? where !text.isEmpty && text.unicodeScalars.count <= maxPassphraseScalars:
            return text
        default:
            throw Problem(message: "passphrase must be a string of 1 to \(maxPassphraseScalars) characters, or null")
        }
    }

    /// Trimmed like a description; 1 to 100 scalars, no control characters.
    private static func label(_ value: JSONValue?) throws(Problem) -> String {
        guard case .string(let text)? = value else {
            throw Problem(message: "label is required: a string of 1 to \(maxLabelScalars) characters")
        }
        let trimmed = UploadDescription.trim(text)
        guard !trimmed.isEmpty, trimmed.unicodeScalars.count <= maxLabelScalars else {
            throw Problem(message: "label must be 1 to \(maxLabelScalars) characters")
        }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw Problem(message: "label cannot contain control characters")
        }
        return trimmed
    }
}
