import FileDropAuth

/// `Upload-Checksum` (tus 1.0.0 "Checksum"): an algorithm name, one space, and the digest of
/// the request's body in standard base64. FileDrop supports `sha1` (which tus requires) and
/// `sha256`; any other name is 400, as tus says.
struct UploadChecksum: Equatable, Sendable {
    enum Algorithm: String, CaseIterable, Sendable {
        case sha1, sha256

        var digestLength: Int {
            switch self {
            case .sha1: 20
            case .sha256: 32
            }
        }
    }

    let algorithm: Algorithm
    let expected: [UInt8]

    static func parse(_ header: String) -> Result<UploadChecksum, TusRefusal> {
        let parts = header.trimmed.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            return .failure(TusRefusal(.badRequest, "Upload-Checksum must be an algorithm and a base64 digest"))
        }
        guard let algorithm = Algorithm(rawValue: String(parts[0])) else {
            return .failure(TusRefusal(.badRequest, "Unsupported checksum algorithm; use one of \(TusProtocol.checksumAlgorithms)"))
        }
        guard let expected = Base64.decode(parts[1]), expected.count == algorithm.digestLength else {
            return .failure(TusRefusal(.badRequest, "Upload-Checksum is not a base64 \(algorithm.rawValue) digest"))
        }
        return .success(UploadChecksum(algorithm: algorithm, expected: expected))
    }
}

/// The digest of one request's body, as it arrives, in the algorithm its `Upload-Checksum`
/// names.
struct RequestChecksum: Sendable {
    private enum Running: Sendable {
        case sha1(SHA1Digest)
        case sha256(SHA256Digest)
    }

    let expected: UploadChecksum
    private var running: Running

    init(_ expected: UploadChecksum) {
        self.expected = expected
        switch expected.algorithm {
        case .sha1: running = .sha1(SHA1Digest())
        case .sha256: running = .sha256(SHA256Digest())
        }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch running {
        case .sha1(var digest):
            digest.update(bytes)
            running = .sha1(digest)
        case .sha256(var digest):
            digest.update(bytes)
            running = .sha256(digest)
        }
    }

    /// Whether what was passed to `update` has the expected digest (compared in constant time).
    mutating func matches() -> Bool {
        let actual: [UInt8]
        switch running {
        case .sha1(var digest): actual = digest.finalize()
        case .sha256(var digest): actual = digest.finalize()
        }
        return Crypto.constantTimeEqual(actual, expected.expected)
    }
}
