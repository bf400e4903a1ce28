/// A stored file, as listed and served. Content lives in chunk rows, read separately.
public struct FileRecord: Sendable, Equatable {
    public var id: Int64
    public var description: String
    public var filename: String
    public var contentType: String
    public var size: Int64
    /// Lowercase hex SHA-256 of the content.
    public var sha256: String
    /// Unix milliseconds: when the upload completed.
    public var createdAt: Int64
    public var uploadedBy: String
    /// Every chunk but the last holds exactly this many bytes.
    public var chunkSize: Int
    /// Unix milliseconds (whole seconds): from then on the file is gone; nil: never.
    public var expiresAt: Int64?
    /// Answers starting at byte 0 sent for the content through the file's share links.
    public var downloads: Int64
    /// The drop link that received the file; nil for files uploaded by a signed-in user.
    public var dropID: Int64?

    public init(
        id: Int64, description: String, filename: String, contentType: String, size: Int64,
        sha256: String, createdAt: Int64, uploadedBy: String, chunkSize: Int,
        expiresAt: Int64? = nil, downloads: Int64 = 0, dropID: Int64? = nil
    ) {
        self.id = id
        self.description = description
        self.filename = filename
        self.contentType = contentType
        self.size = size
        self.sha256 = sha256
        self.createdAt = createdAt
        self.uploadedBy = uploadedBy
        self.chunkSize = chunkSize
        self.expiresAt = expiresAt
        self.downloads = downloads
        self.dropID = dropID
    }

    /// Whether the file has expired at `now` (Unix milliseconds): from `expiresAt` on.
    public func isExpired(at now: Int64) -> Bool {
        expiresAt.map { now >= $0 } ?? false
    }

    /// The number of chunk rows holding the content.
    public var chunkCount: Int64 {
        size == 0 ? 0 : (size + Int64(chunkSize) - 1) / Int64(chunkSize)
    }
}

/// A position in the newest-first listing: the last record of a page.
public struct FileCursor: Sendable, Equatable {
    public var createdAt: Int64
    public var id: Int64

    public init(createdAt: Int64, id: Int64) {
        self.createdAt = createdAt
        self.id = id
    }
}

public enum FileStoreError: Error, Equatable, Sendable {
    /// Another stored file has this description.
    case duplicateDescription
    case notFound
    /// Writing would leave less free disk space than the store keeps (`minimumFreeBytes`).
    case insufficientSpace
}
