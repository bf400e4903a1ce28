import COpenSSL

/// Streaming SHA-256 (FIPS 180-4) for data that arrives in pieces, such as an upload's body,
/// over OpenSSL's plain `SHA256_CTX`.
///
/// A value type that holds the whole state (a C struct, no pointers): copying a digest and
/// updating the copy leaves the original untouched. `finalize()` returns the digest and resets
/// the value to an empty digest, so it can be reused. It is not a MAC and does nothing with keys.
///
/// Its state can be saved and restored (`state`, `init(state:)`): a resumable upload keeps the
/// digest of the bytes stored so far beside them, so that the whole file's SHA-256 comes out
/// right across many requests and server restarts without reading a stored byte again (an
/// EVP context, OpenSSL's newer API, is opaque and cannot be saved). The saved form is
/// FileDrop's own and the same on every machine, so a database moved to another box resumes.
public struct SHA256Digest: Sendable {
    /// The length of `state`: a version byte, the eight chaining words and the bit count's two
    /// words and the partial block's length (big-endian 32-bit words), then the partial block.
    public static let stateByteCount = 1 + 8 * 4 + 2 * 4 + 4 + 64
    private static let stateVersion: UInt8 = 1
    private static let blockSize = 64

    private var context = SHA256_CTX()

    public init() {
        reset()
    }

    /// A digest that goes on from a saved `state`; nil if `bytes` is not one.
    public init?(state bytes: [UInt8]) {
        guard bytes.count == Self.stateByteCount, bytes[0] == Self.stateVersion else { return nil }
        var reader = bytes[1...]
        func word() -> UInt32 {
            let value = reader.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            reader = reader.dropFirst(4)
            return value
        }
        reset()
        withUnsafeMutableBytes(of: &context.h) { chaining in
            for index in 0..<8 { chaining.storeBytes(of: word(), toByteOffset: index * 4, as: UInt32.self) }
        }
        context.Nl = word()
        context.Nh = word()
        context.num = word()
        // Whole bytes only, and the partial block holds what the bit count says is left over.
        guard context.Nl % 8 == 0, Int(context.num) < Self.blockSize, context.num == (context.Nl % 512) / 8 else { return nil }
        withUnsafeMutableBytes(of: &context.data) { block in
            block.copyBytes(from: reader)
        }
    }

    /// The state after everything passed to `update` so far, to be given to `init(state:)`.
    public var state: [UInt8] {
        var bytes: [UInt8] = [Self.stateVersion]
        bytes.reserveCapacity(Self.stateByteCount)
        func append(_ word: UInt32) {
            bytes += [
                UInt8(truncatingIfNeeded: word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8),
                UInt8(truncatingIfNeeded: word),
            ]
        }
        withUnsafeBytes(of: context.h) { chaining in
            for index in 0..<8 { append(chaining.load(fromByteOffset: index * 4, as: UInt32.self)) }
        }
        append(context.Nl)
        append(context.Nh)
        append(context.num)
        withUnsafeBytes(of: context.data) { bytes += $0 }
        return bytes
    }

    /// Adds `bytes` to the data being hashed.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        precondition(filedrop_sha256_update(&context, base, bytes.count) == 1, "OpenSSL SHA256_Update failed")
    }

    /// The 32-byte digest of everything passed to `update` since the last `finalize()`.
    public mutating func finalize() -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        let result = output.withUnsafeMutableBufferPointer { filedrop_sha256_final($0.baseAddress, &context) }
        precondition(result == 1, "OpenSSL SHA256_Final failed")
        reset()
        return output
    }

    private mutating func reset() {
        precondition(filedrop_sha256_init(&context) == 1, "OpenSSL SHA256_Init failed")
    }
}

/// Streaming SHA-1, for one thing only: checking a client's `Upload-Checksum: sha1 ...` on a
/// resumable upload's request (tus requires servers to support it). Not for anything that
/// needs collision resistance.
public struct SHA1Digest: Sendable {
    private var context = SHA_CTX()

    public init() {
        precondition(filedrop_sha1_init(&context) == 1, "OpenSSL SHA1_Init failed")
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        precondition(filedrop_sha1_update(&context, base, bytes.count) == 1, "OpenSSL SHA1_Update failed")
    }

    /// The 20-byte digest of everything passed to `update`; the value starts over afterwards.
    public mutating func finalize() -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(SHA_DIGEST_LENGTH))
        let result = output.withUnsafeMutableBufferPointer { filedrop_sha1_final($0.baseAddress, &context) }
        precondition(result == 1, "OpenSSL SHA1_Final failed")
        self = SHA1Digest()
        return output
    }
}
