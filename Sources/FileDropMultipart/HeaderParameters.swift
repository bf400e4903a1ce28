/// A header value of the form `type *( OWS ";" OWS name "=" value )`, as used by
/// `Content-Type` (RFC 9110 §8.3) and `Content-Disposition` (RFC 6266, RFC 7578).
///
/// Values are tokens or quoted-strings. In a quoted-string only `\"` and `\\` are escapes:
/// a backslash before anything else is kept, because browsers send raw file names without
/// escaping backslashes (HTML's form encoding only percent-encodes `"`, CR and LF).
/// It does not decode RFC 8187 `name*` values (see ``ExtendedValue``), nor judge which
/// parameter names are allowed.
struct HeaderParameters {
    /// The value before the first `;`, lowercased (`form-data`, `multipart/form-data`).
    var type: String
    /// Parameters in order: the name lowercased, the value's bytes with quoting undone.
    var parameters: [(name: String, value: [UInt8])]

    /// Parses `value`; nil when it does not follow the grammar above.
    init?(_ value: some Collection<UInt8>) {
        var cursor = ByteCursor(Array(value))
        cursor.skipWhitespace()
        guard let type = cursor.readToken(allowing: UInt8(ascii: "/")) else { return nil }
        self.type = String(decoding: type, as: UTF8.self).lowercased()
        self.parameters = []
        cursor.skipWhitespace()
        while !cursor.isAtEnd {
            guard cursor.consume(UInt8(ascii: ";")) else { return nil }
            cursor.skipWhitespace()
            guard let name = cursor.readToken() else { return nil }
            cursor.skipWhitespace()
            guard cursor.consume(UInt8(ascii: "=")) else { return nil }
            cursor.skipWhitespace()
            guard let value = cursor.readQuotedString() ?? cursor.readToken().map(Array.init) else { return nil }
            parameters.append((String(decoding: name, as: UTF8.self).lowercased(), value))
            cursor.skipWhitespace()
        }
    }

    /// The value of the parameter `name` (lowercase); `.duplicate` when it appears twice.
    func value(of name: String) -> Lookup {
        let matches = parameters.filter { $0.name == name }
        switch matches.count {
        case 0: return .absent
        case 1: return .present(matches[0].value)
        default: return .duplicate
        }
    }

    enum Lookup: Equatable {
        case absent
        case present([UInt8])
        case duplicate
    }
}

/// Reads a byte array front to back for ``HeaderParameters``.
private struct ByteCursor {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { index == bytes.count }

    mutating func skipWhitespace() {
        while index < bytes.count, HTTPSyntax.isWhitespace(bytes[index]) {
            index += 1
        }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// One or more token characters (RFC 9110 §5.6.2), plus `extra` if given.
    mutating func readToken(allowing extra: UInt8? = nil) -> ArraySlice<UInt8>? {
        let start = index
        while index < bytes.count, HTTPSyntax.isTokenByte(bytes[index]) || bytes[index] == extra {
            index += 1
        }
        return index > start ? bytes[start..<index] : nil
    }

    /// A quoted-string with its quotes removed and `\"`, `\\` unescaped; nil when the next
    /// byte is not `"`, and nil (with the cursor at the end) when the closing quote is missing.
    mutating func readQuotedString() -> [UInt8]? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        var value: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return value
            case UInt8(ascii: "\\")
            where index < bytes.count
                && (bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "\\")):
                value.append(bytes[index])
                index += 1
            default:
                value.append(byte)
            }
        }
        return nil
    }
}
