/// JSON text for the few small shapes FileDrop reads and writes by hand: string literals for
/// tokens and API answers, and the string members of a request body such as
/// `{"username": "...", "password": "..."}` (read with the same strict parser as tokens).
public enum JSONText {
    /// `text` as a JSON string literal (RFC 8259 §7): quotes, backslashes and control
    /// characters escaped, everything else as UTF-8.
    public static func quoted(_ text: String) -> String {
        var output = "\""
        output.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                output += "\\u00" + Crypto.hex([UInt8(scalar.value)])
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }

    /// One JSON value, parsed strictly (see `JSONParser`: duplicate member names, trailing
    /// commas, invalid UTF-8 and the like are refused); nil when `bytes` is not one.
    public static func parse(_ bytes: [UInt8]) -> JSONValue? {
        try? JSONParser.parse(bytes)
    }

    /// The object's members whose values are strings; nil when `bytes` is not one JSON object.
    public static func stringFields(_ bytes: [UInt8]) -> [String: String]? {
        guard case .object(let members) = try? JSONParser.parse(bytes) else { return nil }
        var strings: [String: String] = [:]
        for (name, value) in members {
            if case .string(let text) = value { strings[name] = text }
        }
        return strings
    }
}
