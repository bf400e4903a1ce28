import NIOCore

/// An IPv4 or IPv6 address, parsed strictly from text or taken from a socket address.
///
/// IPv4 is four decimal numbers 0–255 without leading zeros (`010` could be read as octal);
/// IPv6 is RFC 4291 §2.2 text (hexadecimal groups, one `::`, an IPv4 tail), without a zone
/// (`%eth0`). An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a dual-stack socket
/// reports for an IPv4 peer) is the IPv4 address, so it matches IPv4 ranges. Text out is
/// dotted IPv4 or RFC 5952 IPv6 (lowercase, longest run of zero groups as `::`).
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    /// The 128 bits as two halves, most significant first.
    case v6(UInt64, UInt64)

    public init?(_ text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        if let v4 = Self.parseIPv4(utf8[...]) {
            self = .v4(v4)
        } else if let (high, low) = Self.parseIPv6(utf8[...]) {
            self = Self.unmapped(high, low)
        } else {
            return nil
        }
    }

    /// The address of an IPv4 or IPv6 socket address; nil for a Unix domain socket.
    init?(socketAddress: SocketAddress) {
        switch socketAddress {
        case .v4(let address):
            self = .v4(UInt32(bigEndian: address.address.sin_addr.s_addr))
        case .v6(let address):
            var bytes = address.address.sin6_addr
            let (high, low) = withUnsafeBytes(of: &bytes) { raw in
                (raw.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }, raw.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            }
            self = Self.unmapped(high, low)
        case .unixDomainSocket:
            return nil
        }
    }

    private static func unmapped(_ high: UInt64, _ low: UInt64) -> IPAddress {
        high == 0 && low >> 32 == 0xFFFF ? .v4(UInt32(truncatingIfNeeded: low)) : .v6(high, low)
    }

    /// 127.0.0.0/8 or ::1.
    public var isLoopback: Bool {
        switch self {
        case .v4(let bits): bits >> 24 == 127
        case .v6(let high, let low): high == 0 && low == 1
        }
    }

    /// The key under which failed logins are counted: the address itself for IPv4, its /64
    /// network for IPv6 (one host usually holds a whole /64, so counting single addresses
    /// would give it 2^64 fresh starts).
    public var rateLimitKey: String {
        switch self {
        case .v4: description
        case .v6(let high, _): IPAddress.v6(high, 0).description + "/64"
        }
    }

    public var description: String {
        switch self {
        case .v4(let bits):
            return [24, 16, 8, 0].map { String((bits >> UInt32($0)) & 0xFF) }.joined(separator: ".")
        case .v6(let high, let low):
            let groups = (0..<8).map { index -> UInt16 in
                let half = index < 4 ? high : low
                return UInt16(truncatingIfNeeded: half >> UInt64(48 - 16 * (index % 4)))
            }
            return Self.format(groups)
        }
    }

    /// RFC 5952 §4: the longest run of two or more zero groups (the first, when tied) as `::`.
    private static func format(_ groups: [UInt16]) -> String {
        var best: Range<Int>?
        var index = 0
        while index < groups.count {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            let start = index
            while index < groups.count && groups[index] == 0 { index += 1 }
            if index - start >= 2 && index - start > (best?.count ?? 0) { best = start..<index }
        }
        let text = { (part: ArraySlice<UInt16>) in part.map { String($0, radix: 16) }.joined(separator: ":") }
        guard let best else { return text(groups[...]) }
        return text(groups[..<best.lowerBound]) + "::" + text(groups[best.upperBound...])
    }

    // MARK: Parsing

    private static func parseIPv4(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bits: UInt32 = 0
        for part in parts {
            guard let value = decimal(part, maximum: 255) else { return nil }
            bits = bits << 8 | UInt32(value)
        }
        return bits
    }

    /// Plain decimal digits without a sign or leading zeros, at most `maximum`.
    static func decimal(_ digits: ArraySlice<UInt8>, maximum: Int) -> Int? {
        guard (1...5).contains(digits.count), digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            digits.first != UInt8(ascii: "0") || digits.count == 1
        else { return nil }
        let value = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        return value <= maximum ? value : nil
    }

    private static func parseIPv6(_ bytes: ArraySlice<UInt8>) -> (UInt64, UInt64)? {
        let colon = UInt8(ascii: ":")
        guard bytes.count >= 2, bytes.count <= 45 else { return nil }
        // Split at the one "::", if any.
        var head = bytes
        var tail: ArraySlice<UInt8>?
        if let range = bytes.firstRange(of: [colon, colon]) {
            head = bytes[..<range.lowerBound]
            tail = bytes[range.upperBound...]
            guard tail!.firstRange(of: [colon, colon]) == nil else { return nil }
        }
        guard var left = groups(head, allowIPv4Tail: tail == nil) else { return nil }
        var groupsFound = left
        if let tail {
            guard let right = groups(tail, allowIPv4Tail: true), left.count + right.count <= 7 else { return nil }
            left += [UInt16](repeating: 0, count: 8 - left.count - right.count)
            groupsFound = left + right
        }
        guard groupsFound.count == 8 else { return nil }
        let high = groupsFound[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let low = groupsFound[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return (high, low)
    }

    /// Colon-separated groups of 1–4 hex digits (empty text: none); an IPv4 address may end
    /// them (two groups).
    private static func groups(_ bytes: ArraySlice<UInt8>, allowIPv4Tail: Bool) -> [UInt16]? {
        if bytes.isEmpty { return [] }
        let parts = bytes.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        var result: [UInt16] = []
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1, allowIPv4Tail, part.contains(UInt8(ascii: ".")) {
                guard let v4 = parseIPv4(part) else { return nil }
                result += [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
                continue
            }
            guard (1...4).contains(part.count) else { return nil }
            var value: UInt16 = 0
            for byte in part {
                guard let digit = hexDigit(byte) else { return nil }
                value = value << 4 | UInt16(digit)
            }
            result.append(value)
        }
        return result.count <= 8 ? result : nil
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
