import NIOHTTP1

/// One hop of a forwarding chain as a proxy recorded it: the address it saw its client at
/// (nil when it gave none we can use: `unknown`, an obfuscated name, junk) and, if it said,
/// the protocol of that connection.
struct ForwardedHop: Equatable, Sendable {
    var address: IPAddress?
    var proto: String?
}

/// Reads the chain of forwarding proxies from a request's headers: `X-Forwarded-For` (the de
/// facto standard that Caddy, nginx, HAProxy and Apache send) when present, else RFC 7239
/// `Forwarded`. Hops come leftmost (furthest from us) first. Only the one header is read so
/// that a client cannot add the other to a proxy that only maintains one; a proxy that sends
/// `Forwarded` alone should drop an incoming `X-Forwarded-For`.
///
/// Whether any of it is believed is `TrustedProxies`'s decision; this only parses, and never
/// fails: an entry it cannot read is a hop without an address.
enum ForwardedHeaders {
    static func hops(_ headers: HTTPHeaders) -> [ForwardedHop] {
        let forwardedFor = headers["x-forwarded-for"]
        if !forwardedFor.isEmpty {
            var hops = forwardedFor.joined(separator: ",").split(separator: ",", omittingEmptySubsequences: false).map {
                ForwardedHop(address: node($0.trimmed), proto: nil)
            }
            hops[hops.count - 1].proto = forwardedProto(headers)
            return hops
        }
        let forwarded = headers["forwarded"]
        guard !forwarded.isEmpty else { return [] }
        return elements(Array(forwarded.joined(separator: ",").utf8)).map { pairs in
            ForwardedHop(address: pairs["for"].flatMap { node(Substring($0)) }, proto: pairs["proto"]?.lowercased())
        }
    }

    /// `X-Forwarded-Proto`, set (or appended to) by the proxy nearest to us: its last value is
    /// what that proxy saw, lowercased.
    static func forwardedProto(_ headers: HTTPHeaders) -> String? {
        headers["x-forwarded-proto"].joined(separator: ",").split(separator: ",").last.map { $0.trimmed.lowercased() }
    }

    /// A node as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]`,
    /// `[2001:db8::1]:4711` or a bare `2001:db8::1`; nil for `unknown`, `_hidden` and junk.
    static func node(_ text: Substring) -> IPAddress? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let inner = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard inner.contains(":"), rest.isEmpty || (rest.hasPrefix(":") && isPort(rest.dropFirst())) else { return nil }
            return IPAddress(inner)
        }
        if let address = IPAddress(text) { return address }
        // IPv4 with a port: exactly one colon.
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, isPort(parts[1]), let address = IPAddress(parts[0]), case .v4 = address else { return nil }
        return address
    }

    /// A port (0–65535) or an RFC 7239 obfuscated port (`_` then token characters).
    private static func isPort(_ text: Substring) -> Bool {
        if text.utf8.first == UInt8(ascii: "_") {
            return text.utf8.count <= 64 && text.utf8.allSatisfy { $0.isTokenCharacter }
        }
        return IPAddress.decimal(Array(text.utf8)[...], maximum: 65_535) != nil
    }

    /// RFC 7239 §4: elements separated by commas, pairs within an element by semicolons,
    /// `name=value` with a token or quoted-string value; names are case-insensitive. A pair
    /// that does not parse is left out (its element keeps the others), so junk ends up as a
    /// hop without an address.
    static func elements(_ bytes: [UInt8]) -> [[String: String]] {
        split(bytes[...], at: UInt8(ascii: ",")).map { element in
            var pairs: [String: String] = [:]
            for pair in split(element, at: UInt8(ascii: ";")) {
                if let (name, value) = parsePair(pair) { pairs[name] = value }
            }
            return pairs
        }
    }

    /// `bytes` split at `separator` where it is outside a quoted string.
    private static func split(_ bytes: ArraySlice<UInt8>, at separator: UInt8) -> [ArraySlice<UInt8>] {
        var pieces: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        var quoted = false
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if quoted && byte == UInt8(ascii: "\\") {
                index += 1
            } else if byte == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if !quoted && byte == separator {
                pieces.append(bytes[start..<index])
                start = index + 1
            }
            index += 1
        }
        pieces.append(bytes[start..<min(index, bytes.endIndex)])
        return pieces
    }

    /// `name=token` or `name="quoted string"`, spaces around; nil for anything else.
    private static func parsePair(_ pair: ArraySlice<UInt8>) -> (String, String)? {
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        let trimmed = pair.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        let bytes = Array(trimmed)
        guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")), equals > 0,
            bytes[..<equals].allSatisfy({ $0.isTokenCharacter })
        else { return nil }
        let name = String(decoding: bytes[..<equals], as: UTF8.self).lowercased()
        let raw = bytes[(equals + 1)...]
        if raw.first == UInt8(ascii: "\"") {
            guard raw.count >= 2, raw.last == UInt8(ascii: "\"") else { return nil }
            var value: [UInt8] = []
            var escaped = false
            for byte in raw.dropFirst().dropLast() {
                if escaped {
                    value.append(byte)
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    return nil
                } else {
                    value.append(byte)
                }
            }
            guard !escaped else { return nil }
            return (name, String(decoding: value, as: UTF8.self))
        }
        guard !raw.isEmpty, raw.allSatisfy({ $0.isTokenCharacter }) else { return nil }
        return (name, String(decoding: raw, as: UTF8.self))
    }
}

extension UInt8 {
    /// An RFC 9110 `tchar`.
    fileprivate var isTokenCharacter: Bool {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            true
        default:
            Array("!#$%&'*+-.^_`|~".utf8).contains(self)
        }
    }
}
