/// A user name per SPEC: 1 to 64 characters, no `:` (it would break HTTP Basic), no control
/// characters.
public enum UserName {
    public static let maxLength = 64

    /// nil when valid, else the reason.
    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "a user name cannot be empty" }
        if name.count > maxLength { return "a user name has at most \(maxLength) characters" }
        if name.contains(":") { return "a user name cannot contain ':'" }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "a user name cannot contain control characters"
        }
        return nil
    }
}
