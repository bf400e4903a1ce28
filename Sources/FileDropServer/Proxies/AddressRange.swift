/// A CIDR range (`10.0.0.0/8`, `2001:db8::/32`), or one address (`192.0.2.7` is `/32`,
/// `::1` is `/128`), as `--trusted-proxy` takes it.
///
/// Parsed strictly, so that a typo cannot silently trust the wrong network: the address as
/// `IPAddress` reads it, a prefix length in plain decimal within the family's bits, and no
/// bits set past the prefix (`10.0.0.1/8` is refused with the range it probably meant).
/// Host names are refused: trust must not depend on DNS. An IPv4-mapped IPv6 range
/// (`::ffff:10.0.0.0/104`) is the IPv4 range it maps.
public struct AddressRange: Hashable, Sendable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public let description: String
    }

    public init(parsing text: String) throws(ParseError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else {
            throw ParseError(description: "'\(text)' is not an IPv4 or IPv6 address or CIDR range (host names are not accepted)")
        }
        let bits =
            switch address {
            case .v4: 32
            case .v6: 128
            }
        var length = bits
        if parts.count == 2 {
            // An IPv4-mapped IPv6 text parsed as IPv4: its prefix length counts 96 more bits.
            let written = parts[0].contains(":") ? 128 : bits
            guard let value = IPAddress.decimal(Array(parts[1].utf8)[...], maximum: written) else {
                throw ParseError(description: "'\(text)' has a bad prefix length: give /0 to /\(written)")
            }
            length = value - (written - bits)
            guard length >= 0 else {
                throw ParseError(description: "'\(text)' reaches past the IPv4-mapped range ::ffff:0:0/96")
            }
        }
        let range = AddressRange(address: address, prefixLength: length)
        guard range.network == address else {
            throw ParseError(description: "'\(text)' has bits set past the prefix; did you mean \(range.network)/\(length)?")
        }
        self = range
    }

    private init(address: IPAddress, prefixLength: Int) {
        self.address = address
        self.prefixLength = prefixLength
    }

    /// The range's first address: `address` with the bits past the prefix cleared.
    private var network: IPAddress {
        switch address {
        case .v4(let bits):
            return .v4(prefixLength == 0 ? 0 : bits & ~UInt32(0) << UInt32(32 - prefixLength))
        case .v6(let high, let low):
            let highMask = prefixLength >= 64 ? ~UInt64(0) : (prefixLength == 0 ? 0 : ~UInt64(0) << UInt64(64 - prefixLength))
            let lowMask = prefixLength <= 64 ? 0 : (prefixLength == 128 ? ~UInt64(0) : ~UInt64(0) << UInt64(128 - prefixLength))
            return .v6(high & highMask, low & lowMask)
        }
    }

    public func contains(_ candidate: IPAddress) -> Bool {
        switch (address, candidate) {
        case (.v4, .v4), (.v6, .v6):
            return AddressRange(address: candidate, prefixLength: prefixLength).network == address
        default:
            return false
        }
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
