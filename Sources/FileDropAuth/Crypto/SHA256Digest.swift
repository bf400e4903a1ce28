import COpenSSL

/// Streaming SHA-256 (FIPS 180-4) over OpenSSL's EVP digest API, for data that arrives in
/// pieces, such as an upload's body.
///
/// A value type: copying a digest and updating the copy leaves the original untouched (the
/// OpenSSL context is copied on write). `finalize()` returns the digest and resets the value to
/// an empty digest, so it can be reused. It is not a MAC and does nothing with keys.
public struct SHA256Digest: @unchecked Sendable {
    // @unchecked: `storage` is shared only between copies that do not write to it; every
    // mutation first makes it unique (copy-on-write), as Array does.
    private var storage: Storage

    public init() {
        storage = Storage()
    }

    /// Adds `bytes` to the data being hashed.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        makeUnique()
        let result = EVP_DigestUpdate(storage.context, base, bytes.count)
        precondition(result == 1, "OpenSSL EVP_DigestUpdate failed")
    }

    /// The 32-byte digest of everything passed to `update` since the last `finalize()`.
    public mutating func finalize() -> [UInt8] {
        makeUnique()
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = output.withUnsafeMutableBufferPointer {
            EVP_DigestFinal_ex(storage.context, $0.baseAddress, &length)
        }
        precondition(result == 1 && length == 32, "OpenSSL EVP_DigestFinal_ex failed")
        storage.reset()
        return Array(output.prefix(Int(length)))
    }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy()
        }
    }
}

extension SHA256Digest {
    /// Sole owner of one `EVP_MD_CTX`, freed in `deinit`.
    private final class Storage {
        let context: OpaquePointer

        init() {
            guard let context = EVP_MD_CTX_new() else { fatalError("OpenSSL EVP_MD_CTX_new failed") }
            self.context = context
            reset()
        }

        private init(copying other: Storage) {
            guard let context = EVP_MD_CTX_new() else { fatalError("OpenSSL EVP_MD_CTX_new failed") }
            self.context = context
            precondition(EVP_MD_CTX_copy_ex(context, other.context) == 1, "OpenSSL EVP_MD_CTX_copy_ex failed")
        }

        deinit {
            EVP_MD_CTX_free(context)
        }

        func copy() -> Storage {
            Storage(copying: self)
        }

        func reset() {
            precondition(EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1, "OpenSSL EVP_DigestInit_ex failed")
        }
    }
}
