import COpenSSL

/// Hashes and verifies passwords with scrypt (RFC 7914) through OpenSSL's `EVP_PBE_scrypt`.
///
/// Hashes are self-describing PHC strings (`$scrypt$ln=15,r=8,p=1$<salt>$<hash>`, salt and hash
/// in standard base64 without padding), so `verify` reads the cost from the string and hashes
/// made at an older cost keep verifying after the default changes. Each hash gets a fresh
/// 16-byte random salt and a 32-byte derived key; verification compares in constant time.
///
/// Deliberately slow (tens of milliseconds and 32 MiB of memory at the default cost): call it
/// from a helper thread, never from an event loop. It does not normalise Unicode: a password
/// is its UTF-8 bytes as given.
public struct PasswordHasher: Sendable {
    /// The scrypt parameters: N = 2^logN, block size r, parallelism p.
    public let logN: Int
    public let r: Int
    public let p: Int

    static let saltLength = 16
    static let keyLength = 32

    /// - Precondition: the parameters are within `ScryptParameters.isAcceptable`'s limits.
    public init(logN: Int = 15, r: Int = 8, p: Int = 1) {
        precondition(
            ScryptParameters(logN: logN, r: r, p: p).isAcceptable,
            "scrypt parameters out of range: ln=\(logN), r=\(r), p=\(p)"
        )
        self.logN = logN
        self.r = r
        self.p = p
    }

    /// A hasher at the cost `encoded` (a PHC string made by `hash`) was made with; nil when it
    /// is not one.
    public init?(costOf encoded: String) {
        guard let stored = PHCScryptString(parsing: encoded) else { return nil }
        self.init(logN: stored.parameters.logN, r: stored.parameters.r, p: stored.parameters.p)
    }

    /// A hasher at the cost most of `hashes` were made with (the first such when tied); nil
    /// when none of them is a PHC scrypt string. For the dummy hash that unknown user names
    /// are checked against: at the stored hashes' cost, an unknown name takes as long as a
    /// wrong password.
    public static func commonCost(of hashes: [String]) -> PasswordHasher? {
        var counts: [ScryptParameters: Int] = [:]
        var order: [ScryptParameters] = []
        for hash in hashes {
            guard let parameters = PHCScryptString(parsing: hash)?.parameters else { continue }
            if counts[parameters] == nil { order.append(parameters) }
            counts[parameters, default: 0] += 1
        }
        // `max(by:)` keeps the first of equal elements.
        guard let best = order.max(by: { counts[$0]! < counts[$1]! }) else { return nil }
        return PasswordHasher(logN: best.logN, r: best.r, p: best.p)
    }

    /// A new PHC string for `password`, with a fresh random salt.
    public func hash(_ password: String) -> String {
        let parameters = ScryptParameters(logN: logN, r: r, p: p)
        let salt = Crypto.randomBytes(Self.saltLength)
        guard let key = parameters.deriveKey(password: password, salt: salt, length: Self.keyLength) else {
            fatalError("OpenSSL EVP_PBE_scrypt failed with acceptable parameters (ln=\(logN), r=\(r), p=\(p))")
        }
        return PHCScryptString(parameters: parameters, salt: salt, hash: key).encoded
    }

    /// Whether `password` matches `encoded`, a PHC scrypt string made by `hash` (at any
    /// acceptable cost). A malformed string, or one asking for a cost beyond the limits, is
    /// false rather than an error: the caller answers both the same way.
    public func verify(_ password: String, against encoded: String) -> Bool {
        guard let stored = PHCScryptString(parsing: encoded),
            let key = stored.parameters.deriveKey(password: password, salt: stored.salt, length: stored.hash.count)
        else {
            return false
        }
        return Crypto.constantTimeEqual(key, stored.hash)
    }
}

/// scrypt's cost parameters, with the limits FileDrop accepts from a stored string.
struct ScryptParameters: Hashable, Sendable {
    var logN: Int
    var r: Int
    var p: Int

    /// The memory scrypt needs for these parameters, as OpenSSL counts it (128·r·(N+2) bytes
    /// for V plus 128·r·p for B).
    var memoryBytes: UInt64 {
        128 * UInt64(r) * ((UInt64(1) << UInt64(logN)) + 2) + 128 * UInt64(r) * UInt64(p)
    }

    /// Limits that keep a stored string from asking for an absurd cost: at most 256 MiB of
    /// memory (N = 2^18 at r = 8) and p ≤ 16.
    var isAcceptable: Bool {
        (1...24).contains(logN) && (1...64).contains(r) && (1...16).contains(p)
            && memoryBytes <= Self.maximumMemoryBytes
    }

    static let maximumMemoryBytes: UInt64 = 256 * 1024 * 1024 + 64 * 1024

    /// The derived key, or nil if the parameters are out of range or OpenSSL fails.
    func deriveKey(password: String, salt: [UInt8], length: Int) -> [UInt8]? {
        guard isAcceptable, length > 0 else { return nil }
        var key = [UInt8](repeating: 0, count: length)
        let passwordBytes = Array(password.utf8)
        let result = passwordBytes.withUnsafeBufferPointer { passwordBuffer in
            salt.withUnsafeBufferPointer { saltBuffer in
                key.withUnsafeMutableBufferPointer { keyBuffer in
                    withNonNullBase(passwordBuffer) { passwordBase in
                        withNonNullBase(saltBuffer) { saltBase in
                            passwordBase.withMemoryRebound(to: CChar.self, capacity: max(passwordBuffer.count, 1)) {
                                EVP_PBE_scrypt(
                                    $0,
                                    passwordBuffer.count,
                                    saltBase,
                                    saltBuffer.count,
                                    UInt64(1) << UInt64(logN),
                                    UInt64(r),
                                    UInt64(p),
                                    memoryBytes + 1024,
                                    keyBuffer.baseAddress,
                                    keyBuffer.count
                                )
                            }
                        }
                    }
                }
            }
        }
        return result == 1 ? key : nil
    }
}
