import COpenSSL

/// The few primitives FileDrop needs, each a thin call into the system `libcrypto`.
///
/// Nothing here is implemented in Swift except hex encoding: HMAC (RFC 2104, with SHA-256 per
/// RFC 4231), SHA-256 (FIPS 180-4), the random generator and the constant-time comparison are
/// OpenSSL's. It does not pick keys, store secrets or log anything.
public enum Crypto {
    /// HMAC-SHA256 (RFC 2104 / RFC 4231) of `message` under `key`; 32 bytes.
    public static func hmacSHA256(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        withBytes(key) { key in
            withBytes(message) { message in
                var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
                var length: UInt32 = 0
                let result = output.withUnsafeMutableBufferPointer { output in
                    // An empty key is a valid HMAC key; OpenSSL wants a non-null pointer for it.
                    withNonNullBase(key) { keyBase in
                        HMAC(
                            EVP_sha256(),
                            keyBase,
                            Int32(key.count),
                            message.baseAddress,
                            message.count,
                            output.baseAddress,
                            &length
                        )
                    }
                }
                precondition(result != nil && length == 32, "OpenSSL HMAC-SHA256 failed")
                return Array(output.prefix(Int(length)))
            }
        }
    }

    /// `count` bytes from OpenSSL's CSPRNG. Stops the process if the generator fails: there is
    /// no safe way to carry on without randomness.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0 && count <= Int(Int32.max), "randomBytes count out of range")
        var bytes = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return bytes }
        let result = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        if result != 1 {
            fatalError("OpenSSL RAND_bytes failed (error \(ERR_get_error()))")
        }
        return bytes
    }

    /// Compares two byte strings in time that depends only on their length (`CRYPTO_memcmp`).
    /// Arrays of different lengths are unequal; the lengths themselves are not secret.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        return a.withUnsafeBytes { a in
            b.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 }
        }
    }

    /// SHA-256 of `bytes`; 32 bytes. For data that arrives in pieces, use `SHA256Digest`.
    public static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var digest = SHA256Digest()
        withBytes(bytes) { digest.update(UnsafeRawBufferPointer($0)) }
        return digest.finalize()
    }

    /// Lowercase hexadecimal, two characters per byte.
    public static func hex(_ bytes: some Collection<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// Calls `body` with the collection's contiguous bytes, copying only if it has none.
func withBytes<Result>(
    _ bytes: some Collection<UInt8>,
    _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
) rethrows -> Result {
    if let result = try bytes.withContiguousStorageIfAvailable(body) {
        return result
    }
    return try Array(bytes).withUnsafeBufferPointer(body)
}

/// Calls `body` with the buffer's base address, or with a valid dummy address when the buffer
/// is empty (an empty Swift buffer may have a nil base, which some OpenSSL calls refuse).
func withNonNullBase<Result>(
    _ buffer: UnsafeBufferPointer<UInt8>,
    _ body: (UnsafePointer<UInt8>) -> Result
) -> Result {
    if let base = buffer.baseAddress {
        return body(base)
    }
    var dummy: UInt8 = 0
    return withUnsafePointer(to: &dummy) { body($0) }
}
