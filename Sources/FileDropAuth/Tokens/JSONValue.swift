/// A parsed JSON value (RFC 8259), as the JOSE header, the JWT claims set and small request
/// bodies (`JSONText.parse`) need it.
///
/// FileDrop parses JOSE JSON itself rather than through `JSONDecoder`, because RFC 7515 §4
/// requires duplicate member names to be rejected (or the last one used), and RFC 8725 asks
/// for strict parsing; `JSONDecoder` silently keeps the first duplicate and accepts trailing
/// commas. See `JSONParser` for what is refused.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

/// A JSON number, kept as its text so that integers beyond a Double's precision stay exact.
public struct JSONNumber: Equatable, Sendable {
    /// The literal, already checked against RFC 8259's number grammar.
    public let text: String
    /// Finite, since the literal's magnitude was checked when parsing.
    public let double: Double

    /// The value as an Int64 if the literal is an integer (no fraction, no exponent) that fits.
    public var int64: Int64? {
        text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") })
            ? nil : Int64(text)
    }
}
