/// Who created a resumable upload, and so who may go on with it: a signed-in user, or a drop
/// link (SPEC "Sharing": guests upload through `/d/TOKEN/uploads`). Anyone else is told the
/// upload does not exist.
public enum UploadOwner: Hashable, Sendable {
    case user(String)
    /// A drop link, by its id; its label names the uploader of its files (`drop:LABEL`), and
    /// its files count against the quota of the user who made it.
    case drop(id: Int64, label: String, createdBy: String)

    /// What is stored with the upload and compared on every request: `user:NAME`, `drop:ID`.
    /// A user named `drop:1` is `user:drop:1`, so the two kinds never collide.
    public var key: String {
        switch self {
        case .user(let name): "user:" + name
        case .drop(let id, _, _): "drop:\(id)"
        }
    }

    /// The finished file's `uploaded_by`.
    public var uploadedBy: String {
        switch self {
        case .user(let name): name
        case .drop(_, let label, _): "drop:" + label
        }
    }

    /// Whose quota the upload counts against (SPEC: drop-link files count for the drop's creator).
    public var quotaOwner: String {
        switch self {
        case .user(let name): name
        case .drop(_, _, let createdBy): createdBy
        }
    }
}

/// A resumable upload about to be created: what `POST /uploads` asked for, checked.
public struct NewTusUpload: Sendable, Equatable {
    /// The upload's id in its URL (base64url of 16 random bytes).
    public var id: String
    public var owner: UploadOwner
    public var length: Int64
    /// Reserved from creation on: unique among stored files and unfinished uploads.
    public var description: String
    public var filename: String
    public var contentType: String
    /// `Upload-Metadata` as sent, to answer `HEAD` with.
    public var metadata: String
    /// The file's lifetime in seconds, counted from completion; nil for the default.
    public var expiresIn: Int64?

    public init(
        id: String, owner: UploadOwner, length: Int64, description: String, filename: String, contentType: String,
        metadata: String, expiresIn: Int64?
    ) {
        self.id = id
        self.owner = owner
        self.length = length
        self.description = description
        self.filename = filename
        self.contentType = contentType
        self.metadata = metadata
        self.expiresIn = expiresIn
    }
}

/// A resumable upload as stored: its progress and its times.
public struct TusUpload: Sendable, Equatable {
    public var id: String
    /// The `files` row that holds its chunk rows (and, once finished, is the stored file).
    public var fileID: Int64
    public var ownerKey: String
    public var length: Int64
    /// Bytes stored and committed.
    public var offset: Int64
    /// The saved SHA-256 state of exactly the first `offset` bytes (`SHA256Digest.state`).
    public var digestState: [UInt8]
    public var metadata: String
    public var expiresIn: Int64?
    /// The chunk size of its file's rows.
    public var chunkSize: Int
    /// Unix milliseconds.
    public var createdAt: Int64
    /// Unix milliseconds: when an unfinished upload expires, or when a finished one is forgotten.
    public var expiresAt: Int64
    /// Unix milliseconds; nil while unfinished.
    public var finishedAt: Int64?

    public init(
        id: String, fileID: Int64, ownerKey: String, length: Int64, offset: Int64, digestState: [UInt8], metadata: String,
        expiresIn: Int64?, chunkSize: Int, createdAt: Int64, expiresAt: Int64, finishedAt: Int64?
    ) {
        self.id = id
        self.fileID = fileID
        self.ownerKey = ownerKey
        self.length = length
        self.offset = offset
        self.digestState = digestState
        self.metadata = metadata
        self.expiresIn = expiresIn
        self.chunkSize = chunkSize
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.finishedAt = finishedAt
    }

    public var isFinished: Bool { finishedAt != nil }

    /// Still there for a request at `now`: unexpired, or finished and within its answer window.
    public func isLive(now: Int64) -> Bool { now < expiresAt }
}

/// What makes an upload a stored file, given when its last byte is committed.
public struct TusCompletion: Sendable, Equatable {
    /// Lowercase hex SHA-256 of the whole content.
    public var sha256: String
    /// Until when `HEAD` still answers for the finished upload (Unix milliseconds).
    public var answeredUntil: Int64
    /// When the stored file goes (its `expires_at`, Unix milliseconds); nil: never.
    public var fileExpiresAt: Int64?

    public init(sha256: String, answeredUntil: Int64, fileExpiresAt: Int64? = nil) {
        self.sha256 = sha256
        self.answeredUntil = answeredUntil
        self.fileExpiresAt = fileExpiresAt
    }
}
