/// Resumable (tus) uploads: a `tus_uploads` row per upload, beside the `files` row whose chunk
/// rows hold its bytes.
///
/// The `files` row exists from creation on, incomplete (never listed) but already holding the
/// description, so that the UNIQUE constraint reserves it against stored files and other
/// unfinished uploads alike, and completion can never fail on it. The bytes are written by the
/// server's chunk writer straight into that row's chunks; this store records how far they go
/// (`saveProgress`, `commit`), cuts back what a refused request wrote (`discard`), makes the
/// file a stored one when the last byte is in (`commit` with a `TusCompletion`), and removes
/// terminated and expired uploads (`terminate`, `sweepExpired`): the upload row goes at once,
/// and its file row is marked removed as a delete marks a file, its description free at once,
/// its chunks freed by the background reclaim (`purgeRemovedStep`).
///
/// An unfinished upload's file row says `size` = its whole length from creation on, so that
/// quotas count it (`FileStore.bytesByUploader`), across restarts too.
///
/// It knows nothing of HTTP, owners' rights or the digest's format: the caller checks the
/// owner and keeps the digest state opaque here.
public final class TusStore {
    private let database: Database
    private let files: FileStore
    private let dropLinks: DropLinkStore

    init(database: Database, files: FileStore, dropLinks: DropLinkStore) {
        self.database = database
        self.files = files
        self.dropLinks = dropLinks
    }

    /// An unfinished upload that was removed: whose quota it counted against, and how much.
    public struct Removal: Sendable, Equatable {
        public var uploadedBy: String
        public var bytes: Int64
    }

    /// What a termination did.
    public enum Termination: Sendable, Equatable {
        /// An unfinished upload: removed with its bytes.
        case removed(Removal)
        /// A finished upload: forgotten; its file stays.
        case forgotten
    }

    private static let columns = """
        u.id, u.file_id, u.owner, u.length, u.upload_offset, u.digest_state, u.metadata, u.expires_in,
        f.chunk_size, u.created_at, u.expires_at, u.finished_at
        """

    // MARK: Creating

    /// Creates an upload and its incomplete file, durably. With `completion` (an empty upload)
    /// the file is stored at once, in the same commit. An upload through a drop link is
    /// charged to the link now, in the same commit (`DropLinkStore.receive`: one file and its
    /// whole length, so unfinished uploads count against `max_files` and `max_bytes` from their
    /// creation), and its file row carries the link's id from the start (so it counts against
    /// the quota of the link's creator); removing it unfinished gives the charge back.
    ///
    /// - Throws: `FileStoreError.duplicateDescription` when a stored file or another unfinished
    ///   upload has the description; `LinkRefusal` when the drop link cannot take it; nothing
    ///   is created then.
    public func create(
        _ upload: NewTusUpload, digestState: [UInt8], chunkSize: Int, now: Int64, expiresAt: Int64,
        completion: TusCompletion? = nil
    ) throws -> TusUpload {
        guard !files.isOutOfRoom else { throw FileStoreError.insufficientSpace }
        do {
            try database.transaction(durable: true) {
                let file = try database.statement(
                    """
                    INSERT INTO files (description, filename, content_type, size, chunk_size, created_at, uploaded_by, complete)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 0)
                    """
                )
                try file.bind(upload.description, at: 1)
                try file.bind(upload.filename, at: 2)
                try file.bind(upload.contentType, at: 3)
                try file.bind(upload.length, at: 4)
                try file.bind(chunkSize, at: 5)
                try file.bind(now, at: 6)
                try file.bind(upload.owner.uploadedBy, at: 7)
                try file.run()
                let fileID = database.lastInsertRowID
                if case .drop(let dropID, _, _) = upload.owner {
                    try dropLinks.receive(fileID: fileID, size: upload.length, dropID: dropID, now: now)
                }
                let insert = try database.statement(
                    """
                    INSERT INTO tus_uploads (id, file_id, owner, length, digest_state, metadata, expires_in, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
                )
                try insert.bind(upload.id, at: 1)
                try insert.bind(fileID, at: 2)
                try insert.bind(upload.owner.key, at: 3)
                try insert.bind(upload.length, at: 4)
                try insert.bind(digestState, at: 5)
                try insert.bind(upload.metadata, at: 6)
                try insert.bind(upload.expiresIn, at: 7)
                try insert.bind(now, at: 8)
                try insert.bind(expiresAt, at: 9)
                try insert.run()
                if let completion {
                    try complete(id: upload.id, fileID: fileID, size: upload.length, completion: completion, now: now)
                }
            }
        } catch let error as DatabaseError where error.isUniqueConstraintViolation {
            throw FileStoreError.duplicateDescription
        }
        guard let created = try self.upload(id: upload.id) else { throw FileStoreError.notFound }
        return created
    }

    // MARK: Reading

    /// The upload with this id, whoever owns it and whether or not it expired; nil if unknown.
    public func upload(id: String) throws -> TusUpload? {
        let query = try database.statement(
            "SELECT \(Self.columns) FROM tus_uploads u JOIN files f ON f.id = u.file_id WHERE u.id = ?"
        )
        defer { query.reset() }
        try query.bind(id, at: 1)
        guard try query.step() else { return nil }
        return TusUpload(
            id: query.string(at: 0), fileID: query.int64(at: 1), ownerKey: query.string(at: 2), length: query.int64(at: 3),
            offset: query.int64(at: 4), digestState: query.bytes(at: 5), metadata: query.string(at: 6),
            expiresIn: query.optionalInt64(at: 7), chunkSize: Int(query.int64(at: 8)), createdAt: query.int64(at: 9),
            expiresAt: query.int64(at: 10), finishedAt: query.optionalInt64(at: 11)
        )
    }

    // MARK: Progress

    /// Records that the first `offset` bytes are stored, with the digest of exactly those bytes.
    /// Runs in the caller's transaction: the chunk writer calls it with each chunk row, so that
    /// bytes and offset are committed together.
    public func saveProgress(id: String, offset: Int64, digestState: [UInt8], expiresAt: Int64) throws {
        let update = try database.statement(
            "UPDATE tus_uploads SET upload_offset = ?, digest_state = ?, expires_at = ? WHERE id = ? AND finished_at IS NULL"
        )
        try update.bind(offset, at: 1)
        try update.bind(digestState, at: 2)
        try update.bind(expiresAt, at: 3)
        try update.bind(id, at: 4)
        try update.run()
        guard database.changes == 1 else { throw FileStoreError.notFound }
    }

    /// Records the progress of a request that ended, durably: when this returns, the first
    /// `offset` bytes survive power loss. With `completion` (offset = length) the file becomes
    /// a stored file in the same commit; its record is returned then.
    ///
    /// (A file sent in many small requests had its partial last chunk row rewritten by each;
    /// the pages those rewrites freed go back to the file system with the background reclaim,
    /// which the caller wakes, so the finished file takes the space of one request.)
    public func commit(
        id: String, offset: Int64, digestState: [UInt8], expiresAt: Int64, completion: TusCompletion?, now: Int64
    ) throws -> FileRecord? {
        try database.transaction(durable: true) { () -> FileRecord? in
            try saveProgress(id: id, offset: offset, digestState: digestState, expiresAt: expiresAt)
            guard let completion else { return nil }
            guard let upload = try upload(id: id), upload.offset == upload.length else { throw FileStoreError.notFound }
            try complete(id: id, fileID: upload.fileID, size: upload.length, completion: completion, now: now)
            return try files.record(id: upload.fileID, now: now)
        }
    }

    /// Marks the file stored and the upload finished; inside the caller's transaction.
    private func complete(id: String, fileID: Int64, size: Int64, completion: TusCompletion, now: Int64) throws {
        // The file's own lifetime (tus metadata `expires_in`, SPEC "File lifetime") counts from
        // here: the caller computed `fileExpiresAt` from it and the completion time.
        let file = try database.statement(
            "UPDATE files SET size = ?, sha256 = ?, created_at = ?, expires_at = ?, complete = 1 WHERE id = ? AND complete = 0"
        )
        try file.bind(size, at: 1)
        try file.bind(completion.sha256, at: 2)
        try file.bind(now, at: 3)
        try file.bind(completion.fileExpiresAt, at: 4)
        try file.bind(fileID, at: 5)
        try file.run()
        guard database.changes == 1 else { throw FileStoreError.notFound }
        let upload = try database.statement("UPDATE tus_uploads SET finished_at = ?, expires_at = ? WHERE id = ?")
        try upload.bind(now, at: 1)
        try upload.bind(completion.answeredUntil, at: 2)
        try upload.bind(id, at: 3)
        try upload.run()
    }

    /// Brings an unfinished upload back to `offset` bytes with this digest state, and removes
    /// any chunk bytes past it: what a refused request (checksum mismatch, too many bytes) or a
    /// crash in the middle of one left behind. Cheap when there is nothing past the offset.
    /// A finished upload is left as it is.
    public func discard(beyond offset: Int64, of upload: TusUpload, digestState: [UInt8]) throws {
        try database.transaction {
            let restore = try database.statement(
                "UPDATE tus_uploads SET upload_offset = ?, digest_state = ? WHERE id = ? AND finished_at IS NULL"
            )
            try restore.bind(offset, at: 1)
            try restore.bind(digestState, at: 2)
            try restore.bind(upload.id, at: 3)
            try restore.run()
            guard database.changes == 1 else { return }
            let chunkSize = Int64(upload.chunkSize)
            let firstBeyond = (offset + chunkSize - 1) / chunkSize
            let delete = try database.statement("DELETE FROM chunks WHERE file_id = ? AND seq >= ?")
            try delete.bind(upload.fileID, at: 1)
            try delete.bind(firstBeyond, at: 2)
            try delete.run()
            let kept = offset % chunkSize
            if kept > 0 {
                let trim = try database.statement(
                    "UPDATE chunks SET data = substr(data, 1, ?) WHERE file_id = ? AND seq = ? AND length(data) > ?"
                )
                try trim.bind(kept, at: 1)
                try trim.bind(upload.fileID, at: 2)
                try trim.bind(offset / chunkSize, at: 3)
                try trim.bind(kept, at: 4)
                try trim.run()
            }
        }
    }

    // MARK: Removing

    /// Terminates an upload: an unfinished one is removed (its bytes freed in the background);
    /// a finished one is forgotten and its file kept. nil when unknown.
    public func terminate(id: String) throws -> Termination? {
        guard let upload = try upload(id: id) else { return nil }
        if upload.isFinished {
            try forget(id: id)
            return .forgotten
        }
        return .removed(try removeUnfinished(upload.id, fileID: upload.fileID))
    }

    /// One bounded step of the expiry sweep: removes up to `limit` uploads whose time ran out
    /// at `now` (unfinished ones with their bytes, finished ones only as uploads), skipping
    /// `excluding` (uploads a request is writing to). Returns how many it looked at (`limit`
    /// means there may be more) and the unfinished ones it removed.
    public func sweepExpired(now: Int64, excluding: Set<String>, limit: Int) throws -> (looked: Int, removed: [Removal]) {
        let query = try database.statement(
            "SELECT id, file_id, finished_at IS NOT NULL FROM tus_uploads WHERE expires_at <= ? ORDER BY expires_at LIMIT ?"
        )
        try query.bind(now, at: 1)
        try query.bind(limit, at: 2)
        var expired: [(id: String, fileID: Int64, finished: Bool)] = []
        while try query.step() {
            expired.append((query.string(at: 0), query.int64(at: 1), query.int64(at: 2) != 0))
        }
        query.reset()
        var removed: [Removal] = []
        for upload in expired where !excluding.contains(upload.id) {
            if upload.finished {
                try forget(id: upload.id)
            } else {
                removed.append(try removeUnfinished(upload.id, fileID: upload.fileID))
            }
        }
        return (expired.count, removed)
    }

    private func forget(id: String) throws {
        let forget = try database.statement("DELETE FROM tus_uploads WHERE id = ?")
        try forget.bind(id, at: 1)
        try forget.run()
    }

    /// Removes an unfinished upload: its row at once; its file row marked removed (out of
    /// every lookup, its description free), its chunks left to `purgeRemovedStep`; a drop
    /// link's charge for it given back. One small transaction, which also works on a full
    /// disk (`FileStore.withRoomToDelete`). The removal names whose quota it counted against
    /// (a drop link's creator for a guest's upload).
    private func removeUnfinished(_ id: String, fileID: Int64) throws -> Removal {
        try files.withRoomToDelete {
            try database.transaction { () throws -> Removal in
                let owner = try database.statement(
                    """
                    SELECT coalesce(d.created_by, f.uploaded_by), f.size, f.drop_id
                    FROM files f LEFT JOIN drop_links d ON d.id = f.drop_id WHERE f.id = ?
                    """
                )
                try owner.bind(fileID, at: 1)
                guard try owner.step() else { throw FileStoreError.notFound }
                let removal = Removal(uploadedBy: owner.string(at: 0), bytes: owner.int64(at: 1))
                let dropID = owner.optionalInt64(at: 2)
                owner.reset()
                if let dropID { try dropLinks.giveBack(size: removal.bytes, dropID: dropID) }
                try forget(id: id)
                let mark = try database.statement("UPDATE files SET complete = -1, description = NULL WHERE id = ? AND complete = 0")
                try mark.bind(fileID, at: 1)
                try mark.run()
                return removal
            }
        }
    }
}

@available(*, unavailable)
extension TusStore: Sendable {}
