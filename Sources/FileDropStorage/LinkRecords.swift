/// A share link as stored: who may download one file, until when, how often, with what
/// passphrase. The token is not stored: `seed` and the server key give it again, and
/// `tokenHash` (its SHA-256) finds the link.
public struct ShareLinkRecord: Sendable, Equatable {
    public var id: Int64
    public var fileID: Int64
    public var seed: [UInt8]
    /// Unix milliseconds; from this instant on the link answers 410.
    public var expiresAt: Int64
    /// nil: no limit.
    public var maxDownloads: Int64?
    public var downloads: Int64
    /// A PHC scrypt string; nil for a link without a passphrase.
    public var passphraseHash: String?
    public var createdBy: String
    /// Unix milliseconds.
    public var createdAt: Int64

    public init(
        id: Int64, fileID: Int64, seed: [UInt8], expiresAt: Int64, maxDownloads: Int64?, downloads: Int64,
        passphraseHash: String?, createdBy: String, createdAt: Int64
    ) {
        self.id = id
        self.fileID = fileID
        self.seed = seed
        self.expiresAt = expiresAt
        self.maxDownloads = maxDownloads
        self.downloads = downloads
        self.passphraseHash = passphraseHash
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    /// Whether the link answers 410 at `now` (Unix milliseconds): expired, or used up.
    public func isSpent(now: Int64) -> Bool {
        now >= expiresAt || maxDownloads.map { downloads >= $0 } ?? false
    }
}

/// A drop link as stored: who may upload, until when, how many files and bytes in all.
public struct DropLinkRecord: Sendable, Equatable {
    public var id: Int64
    public var seed: [UInt8]
    public var label: String
    /// Unix milliseconds; from this instant on the link answers 410.
    public var expiresAt: Int64
    /// nil: no limit.
    public var maxFiles: Int64?
    /// nil: no limit (besides the upload size limit).
    public var maxBytes: Int64?
    /// Files and bytes received so far (the budget used; deletes do not give it back).
    public var files: Int64
    public var bytes: Int64
    public var createdBy: String
    /// Unix milliseconds.
    public var createdAt: Int64

    public init(
        id: Int64, seed: [UInt8], label: String, expiresAt: Int64, maxFiles: Int64?, maxBytes: Int64?, files: Int64,
        bytes: Int64, createdBy: String, createdAt: Int64
    ) {
        self.id = id
        self.seed = seed
        self.label = label
        self.expiresAt = expiresAt
        self.maxFiles = maxFiles
        self.maxBytes = maxBytes
        self.files = files
        self.bytes = bytes
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    /// What stored files that came through this link have as `uploaded_by`.
    public var uploaderName: String { "drop:" + label }
}

/// Why a link cannot be used right now.
public enum LinkRefusal: Error, Equatable, Sendable {
    /// Revoked, unknown, or (for a share link) its file is gone: 404.
    case gone
    /// Past its expiry: 410.
    case expired
    /// A share link's downloads are used up: 410.
    case usedUp
    /// A drop link has received `max_files` files: 403.
    case noFilesLeft
    /// A drop link would pass `max_bytes`: 413.
    case noBytesLeft
}
