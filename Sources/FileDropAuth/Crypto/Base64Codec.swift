/// Base64 without padding (RFC 4648) over one of two alphabets, decoding strictly.
///
/// Strict means one text per byte string: any character outside the alphabet (padding `=`,
/// whitespace, the other alphabet's `+`/`/` or `-`/`_`) is refused, a length that leaves one
/// dangling character is refused, and so are unused trailing bits that are not zero
/// (RFC 4648 §3.5 allows decoders to reject them; JWS signatures must not be malleable).
struct Base64Codec: Sendable {
    /// RFC 4648 §4, the standard alphabet (used, unpadded, in PHC password strings).
    static let standard = Base64Codec(last2: "+/")
    /// RFC 4648 §5, the URL- and filename-safe alphabet (used by JWS).
    static let url = Base64Codec(last2: "-_")

    private let symbols: [UInt8]
    private let values: [UInt8]  // 256 entries; `invalid` for bytes outside the alphabet
    private static let invalid: UInt8 = 0xFF

    private init(last2: String) {
        symbols = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8) + Array(last2.utf8)
        var values = [UInt8](repeating: Self.invalid, count: 256)
        for (index, symbol) in symbols.enumerated() {
            values[Int(symbol)] = UInt8(index)
        }
        self.values = values
    }

    func encode(_ bytes: some Collection<UInt8>) -> String {
        withBytes(bytes) { bytes in
            var text = [UInt8]()
            text.reserveCapacity((bytes.count * 4 + 2) / 3)
            var index = 0
            while index + 3 <= bytes.count {
                let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
                append(group, characters: 4, to: &text)
                index += 3
            }
            switch bytes.count - index {
            case 1:
                append(UInt32(bytes[index]) << 16, characters: 2, to: &text)
            case 2:
                append(UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8, characters: 3, to: &text)
            default:
                break
            }
            return String(decoding: text, as: UTF8.self)
        }
    }

    /// The bytes `text` encodes, or nil if it is not exactly canonical unpadded base64.
    func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        withBytes(text) { text -> [UInt8]? in
            guard text.count % 4 != 1 else { return nil }
            var bytes = [UInt8]()
            bytes.reserveCapacity(text.count * 3 / 4)
            var group: UInt32 = 0
            var pending = 0
            for character in text {
                let value = values[Int(character)]
                guard value != Self.invalid else { return nil }
                group = group << 6 | UInt32(value)
                pending += 1
                if pending == 4 {
                    bytes.append(UInt8(truncatingIfNeeded: group >> 16))
                    bytes.append(UInt8(truncatingIfNeeded: group >> 8))
                    bytes.append(UInt8(truncatingIfNeeded: group))
                    group = 0
                    pending = 0
                }
            }
            switch pending {
            case 2:  // 12 bits: one byte and 4 unused bits
                guard group & 0x0F == 0 else { return nil }
                bytes.append(UInt8(truncatingIfNeeded: group >> 4))
            case 3:  // 18 bits: two bytes and 2 unused bits
                guard group & 0x03 == 0 else { return nil }
                bytes.append(UInt8(truncatingIfNeeded: group >> 10))
                bytes.append(UInt8(truncatingIfNeeded: group >> 2))
            default:
                break
            }
            return bytes
        }
    }

    /// Appends the first `characters` 6-bit groups of the 24-bit `group`.
    private func append(_ group: UInt32, characters: Int, to text: inout [UInt8]) {
        for position in 0..<characters {
            let shift = UInt32(18 - 6 * position)
            text.append(symbols[Int((group >> shift) & 0x3F)])
        }
    }
}
