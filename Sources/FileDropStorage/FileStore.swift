import FileDropSystem

/// Files as rows of `files` plus their content as fixed-size rows of `chunks`.
///
/// An upload is written in three steps: `beginUpload` makes an incomplete row (never listed),
/// `writeChunk` adds the content chunk by chunk as it streams in, and `completeUpload`
/// sets the description and marks it complete in one durable commit. Whatever goes wrong
/// before that commit (a duplicate description, a cut connection, a crash) leaves an
/// incomplete row that `abortUpload` or, after a crash, `removeIncompleteUploads` deletes.
///
/// Reading (listing, search, one record) is in `FileStore+Reading.swift`; editing, deleting
/// and the expiry sweep in `FileStore+Changes.swift`.
public final class FileStore {
    let database: Database
    /// Free disk space every chunk write leaves (`--min-free-space`); 0 turns the check off.
    let minimumFreeBytes: Int64
    /// Room held back so that deletes work on a full disk; nil: none (the command line's).
    let reserve: EmergencyReserve?

    init(database: Database, minimumFreeBytes: Int64 = 0, reserve: EmergencyReserve? = nil) {
        self.database = database
        self.minimumFreeBytes = minimumFreeBytes
        self.reserve = reserve
    }

    static let columns =
        "id, description, filename, content_type, size, sha256, created_at, uploaded_by, chunk_size, expires_at, downloads, drop_id"

    // MARK: Writing an upload

    /// Starts an upload; returns the id its chunks are written under.
    public func beginUpload(
        filename: String, contentType: String, uploadedBy: String, chunkSize: Int, now: Int64
    ) throws -> Int64 {
        guard !isOutOfRoom else { throw FileStoreError.insufficientSpace }
        let insert = try database.statement(
            """
            INSERT INTO files (filename, content_type, chunk_size, created_at, uploaded_by, complete)
            VALUES (?, ?, ?, ?, ?, 0)
            """
        )
        try insert.bind(filename, at: 1)
        try insert.bind(contentType, at: 2)
        try insert.bind(chunkSize, at: 3)
        try insert.bind(now, at: 4)
        try insert.bind(uploadedBy, at: 5)
        try insert.run()
        return database.lastInsertRowID
    }

    /// Stores chunk number `sequence` (from 0) of an upload in progress.
    ///
    /// With `keepingFirst` > 0 the chunk row exists already and holds a partial chunk (a
    /// resumed upload whose last piece ended inside it): its first `keepingFirst` bytes are
    /// kept, `bytes` follow them, and the row is replaced (read-modify-write), so that an
    /// upload sent in many pieces takes the same rows as one sent at once.
    ///
    /// - Throws: `FileStoreError.insufficientSpace` when the write would leave less free disk
    ///   space than `minimumFreeBytes` (checked before every chunk, so an upload stops as
    ///   soon as the disk runs low, whoever else fills it).
    public func writeChunk(fileID: Int64, sequence: Int64, bytes: UnsafeRawBufferPointer, keepingFirst: Int = 0) throws {
        try checkFreeSpace(for: Int64(bytes.count))
        guard keepingFirst > 0 else {
            let insert = try database.statement("INSERT INTO chunks (file_id, seq, data) VALUES (?, ?, ?)")
            try insert.bind(fileID, at: 1)
            try insert.bind(sequence, at: 2)
            try insert.bind(bytes, at: 3)
            try insert.run()
            return
        }
        let existing = try withChunk(fileID: fileID, sequence: sequence) { Array($0) }
        guard let existing, existing.count >= keepingFirst else { throw FileStoreError.notFound }
        var combined = existing[..<keepingFirst]
        combined.append(contentsOf: bytes)
        let replace = try database.statement("INSERT OR REPLACE INTO chunks (file_id, seq, data) VALUES (?, ?, ?)")
        try replace.bind(fileID, at: 1)
        try replace.bind(sequence, at: 2)
        try combined.withUnsafeBytes { try replace.bind($0, at: 3) }
        try replace.run()
    }

    /// Marks an upload complete, durably: when this returns, the file survives power loss.
    /// `expiresAt` (Unix milliseconds) is when the file goes; nil: never.
    ///
    /// - Throws: `FileStoreError.duplicateDescription` when another file has the description;
    ///   the upload's chunks are then deleted.
    public func completeUpload(
        fileID: Int64, description: String, size: Int64, sha256: String, now: Int64, expiresAt: Int64? = nil
    ) throws -> FileRecord {
        do {
            try database.transaction(durable: true) {
                let update = try database.statement(
                    """
                    UPDATE files SET description = ?, size = ?, sha256 = ?, created_at = ?, expires_at = ?, complete = 1
                    WHERE id = ? AND complete = 0
                    """
                )
                try update.bind(description, at: 1)
                try update.bind(size, at: 2)
                try update.bind(sha256, at: 3)
                try update.bind(now, at: 4)
                try update.bind(expiresAt, at: 5)
                try update.bind(fileID, at: 6)
                try update.run()
                guard database.changes == 1 else { throw FileStoreError.notFound }
            }
        } catch let error as DatabaseError where error.isUniqueConstraintViolation {
            try abortUpload(fileID: fileID)
            throw FileStoreError.duplicateDescription
        }
        guard let record = try record(id: fileID, now: now) else { throw FileStoreError.notFound }
        return record
    }

    /// Deletes an incomplete upload and gives its space back; also on a full disk, which is
    /// when uploads fail (see `EmergencyReserve`).
    public func abortUpload(fileID: Int64) throws {
        try withRoomToDelete {
            let delete = try database.statement("DELETE FROM files WHERE id = ? AND complete = 0")
            try delete.bind(fileID, at: 1)
            try delete.run()
        }
        try reclaimAfterDelete()
    }

    /// Deletes what uploads cut off by a crash left behind; returns how many there were.
    @discardableResult
    public func removeIncompleteUploads() throws -> Int {
        let removed = try withRoomToDelete { () throws -> Int in
            try database.execute("DELETE FROM files WHERE complete = 0")
            return database.changes
        }
        try reclaimAfterDelete()
        return removed
    }

    // MARK: Free space

    /// Runs a delete; when the disk is full, gives the emergency reserve back to the file
    /// system and runs it once more (a failed statement changed nothing, so it can be retried).
    func withRoomToDelete<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where error.isDiskFull && reserve?.release() == true {
            // The room is for deletes: a checkpoint after the commit would grow the database
            // file into it. Checkpoints resume when the reserve is made again.
            try database.setAutomaticCheckpoints(false)
            return try body()
        }
    }

    /// Gives freed pages back after a delete. On a full disk that waits: moving pages writes
    /// them to the `-wal` file, which would take the room deletes need, and the checkpoint
    /// that shrinks the file cannot run before the disk has room. The delete is committed;
    /// the next reclaim (the next delete, or the next start) gives the space back.
    func reclaimAfterDelete() throws {
        guard !isOutOfRoom else { return }
        do {
            try database.reclaimSpace()
        } catch  where error.isDiskFull {
            return
        }
    }

    /// Makes the emergency reserve again when the disk has room for it (after it was used);
    /// true when it is in place.
    @discardableResult
    public func restoreReserve() throws -> Bool {
        guard let reserve else { return false }
        let wasReleased = reserve.isReleased
        guard reserve.restore(available: try availableBytes(), keepFree: minimumFreeBytes) else { return false }
        if wasReleased {
            // There is room again: checkpoints resume, and what was deleted meanwhile goes back.
            try database.setAutomaticCheckpoints(true)
            try reclaimAfterDelete()
        }
        return true
    }

    /// The bytes that may still be written on the database's file system (`statvfs`).
    public func availableBytes() throws -> Int64 {
        try FileSystem.availableBytes(at: FileSystem.parentDirectory(of: database.path))
    }

    /// The disk filled up and the emergency reserve was used for deletes: until it is made
    /// again, nothing else is written.
    public var isOutOfRoom: Bool { reserve?.isReleased ?? false }

    private func checkFreeSpace(for bytes: Int64) throws {
        guard !isOutOfRoom else { throw FileStoreError.insufficientSpace }
        guard minimumFreeBytes > 0 else { return }
        let available = try availableBytes()
        guard available - bytes >= minimumFreeBytes else { throw FileStoreError.insufficientSpace }
    }

    static func record(from row: Statement) -> FileRecord {
        FileRecord(
            id: row.int64(at: 0),
            description: row.string(at: 1),
            filename: row.string(at: 2),
            contentType: row.string(at: 3),
            size: row.int64(at: 4),
            sha256: row.string(at: 5),
            createdAt: row.int64(at: 6),
            uploadedBy: row.string(at: 7),
            chunkSize: Int(row.int64(at: 8)),
            expiresAt: row.optionalInt64(at: 9),
            downloads: row.int64(at: 10),
            dropID: row.optionalInt64(at: 11)
        )
    }
}

@available(*, unavailable)
extension FileStore: Sendable {}
