/// The PHC string format for scrypt: `$scrypt$ln=<logN>,r=<r>,p=<p>$<salt>$<hash>`.
///
/// Salt and hash are standard base64 (RFC 4648 §4) without padding, as the PHC string format
/// specifies. Parsing is strict: parameters in that order, plain decimal without sign or
/// leading zeros, canonical base64, salt of 8–64 bytes and hash of 16–64 bytes.
struct PHCScryptString: Equatable, Sendable {
    var parameters: ScryptParameters
    var salt: [UInt8]
    var hash: [UInt8]

    init(parameters: ScryptParameters, salt: [UInt8], hash: [UInt8]) {
        self.parameters = parameters
        self.salt = salt
        self.hash = hash
    }

    init?(parsing text: String) {
        let fields = text.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 5, fields[0].isEmpty, fields[1] == "scrypt" else { return nil }
        let assignments = fields[2].split(separator: ",", omittingEmptySubsequences: false)
        guard assignments.count == 3,
            let logN = Self.value(of: "ln", in: assignments[0]),
            let r = Self.value(of: "r", in: assignments[1]),
            let p = Self.value(of: "p", in: assignments[2])
        else {
            return nil
        }
        let parameters = ScryptParameters(logN: logN, r: r, p: p)
        guard parameters.isAcceptable,
            let salt = Base64Codec.standard.decode(fields[3].utf8), (8...64).contains(salt.count),
            let hash = Base64Codec.standard.decode(fields[4].utf8), (16...64).contains(hash.count)
        else {
            return nil
        }
        self.init(parameters: parameters, salt: salt, hash: hash)
    }

    var encoded: String {
        let costs = "ln=\(parameters.logN),r=\(parameters.r),p=\(parameters.p)"
        return "$scrypt$\(costs)$\(Base64Codec.standard.encode(salt))$\(Base64Codec.standard.encode(hash))"
    }

    /// The number in `name=<digits>`, at most 6 digits, no leading zero.
    private static func value(of name: String, in assignment: Substring) -> Int? {
        guard assignment.hasPrefix(name + "=") else { return nil }
        let digits = assignment.utf8.dropFirst(name.utf8.count + 1)
        guard (1...6).contains(digits.count),
            digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            digits.first != UInt8(ascii: "0") || digits.count == 1
        else {
            return nil
        }
        return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }
}
