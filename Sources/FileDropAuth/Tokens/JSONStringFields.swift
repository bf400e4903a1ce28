/// Reads the string members of a JSON object, with the same strict parser as tokens: for
/// request bodies like `{"username": "...", "password": "..."}`.
public enum JSONStringFields {
    /// The object's members whose values are strings; nil when `bytes` is not one JSON object.
    public static func parse(_ bytes: [UInt8]) -> [String: String]? {
        guard case .object(let members) = try? JSONParser.parse(bytes) else { return nil }
        var strings: [String: String] = [:]
        for (name, value) in members {
            if case .string(let text) = value { strings[name] = text }
        }
        return strings
    }
}
