import FileDropSystem

/// Files as rows of `files` plus their content as fixed-size rows of `chunks`.
///
/// An upload is written in three steps: `beginUpload` makes an incomplete row (never listed),
/// `writeChunk` adds the content chunk by chunk as it streams in, and `completeUpload`
/// sets the description and marks it complete in one durable commit. Whatever goes wrong
/// before that commit (a duplicate description, a full disk, a cut connection, a crash)
/// leaves an incomplete row that `abortUpload`, the periodic `sweepIncompleteUploads` or,
/// after a crash, the sweep at the next start hands over for removal. A file small enough to
/// be one chunk may be stored in one transaction instead (`storeSmallUpload`).
///
/// Removing a file's content can take a long time (a 4 GiB file is 4096 chunk rows and
/// 65,536 pages to free), so it never happens in the request that asks for it: deleting,
/// aborting or expiring only marks the row (one small write; the file is gone for everyone
/// at once) and `purgeRemovedStep` frees its chunks in bounded batches later. The `complete`
/// column says which: 0 uploading, 1 stored, -1 deleted, aborted or expired with chunks left
/// to free.
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
        return try noticingFullDisk {
            try insertRow(filename: filename, contentType: contentType, uploadedBy: uploadedBy, chunkSize: chunkSize, now: now)
        }
    }

    /// What a complete file's row holds besides what every row does.
    struct Completion {
        var description: String
        var size: Int64
        var sha256: String
        var expiresAt: Int64?
    }

    /// Inserts a `files` row and returns its id: an upload that has begun (`complete = 0`), or,
    /// with `completion`, a file stored whole at once (a small upload: one insert, where
    /// completing the row later also rewrites its index entries and the search index's).
    func insertRow(
        filename: String, contentType: String, uploadedBy: String, chunkSize: Int, now: Int64, completion: Completion? = nil
    ) throws -> Int64 {
        let insert = try database.statement(
            """
            INSERT INTO files (filename, content_type, chunk_size, created_at, uploaded_by, description, size, sha256,
                               expires_at, complete)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        )
        try insert.bind(filename, at: 1)
        try insert.bind(contentType, at: 2)
        try insert.bind(chunkSize, at: 3)
        try insert.bind(now, at: 4)
        try insert.bind(uploadedBy, at: 5)
        try insert.bind(completion?.description, at: 6)
        try insert.bind(completion?.size ?? 0, at: 7)
        try insert.bind(completion?.sha256, at: 8)
        try insert.bind(completion?.expiresAt, at: 9)
        try insert.bind(completion == nil ? 0 : 1, at: 10)
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
        try noticingFullDisk { try writeChunkRow(fileID: fileID, sequence: sequence, bytes: bytes, keepingFirst: keepingFirst) }
    }

    func writeChunkRow(fileID: Int64, sequence: Int64, bytes: UnsafeRawBufferPointer, keepingFirst: Int) throws {
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
    /// `expiresAt` (Unix milliseconds) is when the file goes; nil: never. With `durable`
    /// false the commit is not synced: the caller syncs (`Storage.syncWAL`) before it tells
    /// anyone, in the same storage job (group commit), and deletes the file if that fails.
    ///
    /// `alongside` runs in the same transaction, after the file is marked complete: what it
    /// throws undoes the completion (a drop link charges its budget there, and refuses past it).
    ///
    /// - Throws: `FileStoreError.duplicateDescription` when another file has the description,
    ///   whatever `alongside` throws, or whatever SQLite reported (a full disk, an I/O error).
    ///   On any failure the upload is aborted here and now, so that its chunks never outlive a
    ///   failed commit.
    public func completeUpload(
        fileID: Int64, description: String, size: Int64, sha256: String, now: Int64, expiresAt: Int64? = nil,
        durable: Bool = true, alongside: (() throws -> Void)? = nil
    ) throws -> FileRecord {
        do {
            try database.transaction(durable: durable) {
                try markComplete(fileID: fileID, description: description, size: size, sha256: sha256, now: now, expiresAt: expiresAt)
                try alongside?()
            }
        } catch {
            if let error = error as? DatabaseError, error.isDiskFull { _ = reserve?.release() }
            // Best effort: when even this fails (the disk is full), the periodic sweep
            // finds the row later.
            try? abortUpload(fileID: fileID)
            if let error = error as? DatabaseError, error.isUniqueConstraintViolation {
                throw FileStoreError.duplicateDescription
            }
            throw error
        }
        guard let record = try record(id: fileID, now: now) else { throw FileStoreError.notFound }
        return record
    }

    /// Marks an incomplete upload complete (the search index follows, by trigger), inside the
    /// caller's transaction; its creation time becomes `now`.
    func markComplete(fileID: Int64, description: String, size: Int64, sha256: String, now: Int64, expiresAt: Int64?) throws {
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

    /// Drops an incomplete upload: its row is marked for removal at once (one small write,
    /// also on a full disk, which is when uploads fail: see `EmergencyReserve`), its chunks
    /// are freed by `purgeRemovedStep`.
    public func abortUpload(fileID: Int64) throws {
        try withRoomToDelete {
            let abort = try database.statement("UPDATE files SET complete = -1 WHERE id = ? AND complete = 0")
            try abort.bind(fileID, at: 1)
            try abort.run()
        }
    }

    /// Drops incomplete uploads that began before `startedBefore` (Unix milliseconds) and
    /// whose id is not in `live` (the uploads this process is still writing); returns how
    /// many. At start-up, with nothing live, this removes what a crash left behind; while
    /// serving, it catches whatever an abort could not remove (a full disk).
    ///
    /// The age keeps an upload that has just begun safe while its id is on its way to the
    /// caller's list of live uploads.
    @discardableResult
    public func sweepIncompleteUploads(startedBefore: Int64, keeping live: Set<Int64> = []) throws -> Int {
        // Resumable uploads outlive their requests: theirs are removed when they expire
        // (`TusStore.sweepExpired`), never here.
        let candidates = try database.statement(
            "SELECT id FROM files WHERE complete = 0 AND created_at < ? AND id NOT IN (SELECT file_id FROM tus_uploads)"
        )
        defer { candidates.reset() }
        try candidates.bind(startedBefore, at: 1)
        var stale: [Int64] = []
        while try candidates.step() {
            let id = candidates.int64(at: 0)
            if !live.contains(id) { stale.append(id) }
        }
        candidates.reset()
        for id in stale { try abortUpload(fileID: id) }
        return stale.count
    }

    // MARK: Free space

    /// Runs a delete; when the disk is full, gives the emergency reserve back to the file
    /// system and runs it once more (a failed statement changed nothing, so it can be retried).
    func withRoomToDelete<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where error.isDiskFull && reserve?.release() == true {
            // The room is for deletes: while the reserve is given up, space reclaim and
            // checkpoints wait (`isOutOfRoom`), since both would grow the files into it.
            return try body()
        }
    }

    /// Runs a write that adds data; when the file system is full, gives the emergency reserve
    /// back before passing the error on: the disk is full now, so the room is for the deletes
    /// that follow (the failed upload's abort, users making room), and nothing else writes
    /// until the reserve is made again (`isOutOfRoom`). An abort may well succeed without the
    /// reserve (it rewrites one small row, often in `-wal` space already on disk): the reserve
    /// is given up because the disk is full, not because the abort needed it.
    func noticingFullDisk<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where error.isDiskFull {
            _ = reserve?.release()
            throw error
        }
    }

    /// Makes the emergency reserve again when the disk has room for it (after it was used);
    /// true when it is in place. While it is given up, the maintenance steps that write
    /// (space reclaim, checkpoints) wait: see `isOutOfRoom`.
    @discardableResult
    public func restoreReserve() throws -> Bool {
        guard let reserve else { return false }
        return reserve.restore(available: try availableBytes(), keepFree: minimumFreeBytes)
    }

    /// The bytes that may still be written on the database's file system (`statvfs`).
    public func availableBytes() throws -> Int64 {
        try FileSystem.availableBytes(at: FileSystem.parentDirectory(of: database.path))
    }

    /// How many files are stored and the sum of their sizes.
    public func totals() throws -> (files: Int64, bytes: Int64) {
        let query = try database.statement("SELECT count(*), coalesce(sum(size), 0) FROM files WHERE complete = 1")
        defer { query.reset() }
        _ = try query.step()
        return (query.int64(at: 0), query.int64(at: 1))
    }

    /// Up to `limit` stored files with ids above `after`, by id (for a walk over every file,
    /// expired ones included until the sweep marks them).
    public func records(after: Int64, limit: Int) throws -> [FileRecord] {
        let query = try database.statement("SELECT \(Self.columns) FROM files WHERE complete = 1 AND id > ? ORDER BY id LIMIT ?")
        defer { query.reset() }
        try query.bind(after, at: 1)
        try query.bind(limit, at: 2)
        var records: [FileRecord] = []
        while try query.step() { records.append(Self.record(from: query)) }
        return records
    }

    /// Calls `body` with every chunk row of a file, in order of `seq`.
    public func forEachChunk(of fileID: Int64, _ body: (_ sequence: Int64, UnsafeRawBufferPointer) throws -> Void) throws {
        let query = try database.statement("SELECT seq, data FROM chunks WHERE file_id = ? ORDER BY seq")
        defer { query.reset() }
        try query.bind(fileID, at: 1)
        while try query.step() {
            let sequence = query.int64(at: 0)
            try query.withBlob(at: 1) { try body(sequence, $0) }
        }
    }

    /// The disk filled up and the emergency reserve was used for deletes: until it is made
    /// again, nothing else is written.
    public var isOutOfRoom: Bool { reserve?.isReleased ?? false }

    func checkFreeSpace(for bytes: Int64) throws {
        guard !isOutOfRoom else { throw FileStoreError.insufficientSpace }
        guard minimumFreeBytes > 0 else { return }
        let available = try availableBytes()
        guard available - bytes >= minimumFreeBytes else { throw FileStoreError.insufficientSpace }
    }

    /// Frees at most `maxChunks` chunk rows of deleted, aborted or expired files (the last
    /// row of such a file goes once its chunks are gone), in one transaction; false when
    /// nothing was left to free.
    ///
    /// A file's chunks go first to last. SQLite keeps the newest freed pages first in its free
    /// list, and the vacuum that follows (`Storage.reclaimStep`) takes the file's last pages
    /// first, looking each up in the free list from its start: freed last to first, the last
    /// pages sat at the list's far end, and every page's lookup read the whole list (a 1 GiB
    /// file's vacuum took 47 s, 180 ms of storage-thread time a step, and an upload meanwhile
    /// took its pages from a list it searched at each page).
    public func purgeRemovedStep(maxChunks: Int) throws -> Bool {
        try withRoomToDelete {
            try database.transaction {
                let next = try database.statement("SELECT id FROM files WHERE complete = -1 LIMIT 1")
                defer { next.reset() }
                guard try next.step() else { return false }
                let fileID = next.int64(at: 0)
                next.reset()
                let chunks = try database.statement(
                    """
                    DELETE FROM chunks WHERE file_id = ?1
                    AND seq IN (SELECT seq FROM chunks WHERE file_id = ?1 ORDER BY seq LIMIT ?2)
                    """
                )
                try chunks.bind(fileID, at: 1)
                try chunks.bind(maxChunks, at: 2)
                try chunks.run()
                if database.changes < maxChunks {
                    let row = try database.statement("DELETE FROM files WHERE id = ? AND complete = -1")
                    try row.bind(fileID, at: 1)
                    try row.run()
                }
                return true
            }
        }
    }

    /// Whether deleted or aborted files still have rows to free.
    public func hasRemovedFiles() throws -> Bool {
        try database.scalarInt("SELECT EXISTS (SELECT 1 FROM files WHERE complete = -1)") == 1
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
