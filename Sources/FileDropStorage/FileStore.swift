/// Files as rows of `files` plus their content as fixed-size rows of `chunks`.
///
/// An upload is written in three steps: `beginUpload` makes an incomplete row (never listed),
/// `writeChunk` adds the content chunk by chunk as it streams in, and `completeUpload`
/// sets the description and marks it complete in one durable commit. Whatever goes wrong
/// before that commit (a duplicate description, a cut connection, a crash) leaves an
/// incomplete row that `abortUpload` or, after a crash, `removeIncompleteUploads` deletes.
public final class FileStore {
    private let database: Database

    init(database: Database) {
        self.database = database
    }

    private static let columns =
        "id, description, filename, content_type, size, sha256, created_at, uploaded_by, chunk_size"

    // MARK: Writing an upload

    /// Starts an upload; returns the id its chunks are written under.
    public func beginUpload(
        filename: String, contentType: String, uploadedBy: String, chunkSize: Int, now: Int64
    ) throws -> Int64 {
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
    public func writeChunk(fileID: Int64, sequence: Int64, bytes: UnsafeRawBufferPointer, keepingFirst: Int = 0) throws {
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
    ///
    /// - Throws: `FileStoreError.duplicateDescription` when another file has the description;
    ///   the upload's chunks are then deleted.
    public func completeUpload(
        fileID: Int64, description: String, size: Int64, sha256: String, now: Int64
    ) throws -> FileRecord {
        do {
            try database.transaction(durable: true) {
                let update = try database.statement(
                    """
                    UPDATE files SET description = ?, size = ?, sha256 = ?, created_at = ?, complete = 1
                    WHERE id = ? AND complete = 0
                    """
                )
                try update.bind(description, at: 1)
                try update.bind(size, at: 2)
                try update.bind(sha256, at: 3)
                try update.bind(now, at: 4)
                try update.bind(fileID, at: 5)
                try update.run()
                guard database.changes == 1 else { throw FileStoreError.notFound }
            }
        } catch let error as DatabaseError where error.isUniqueConstraintViolation {
            try abortUpload(fileID: fileID)
            throw FileStoreError.duplicateDescription
        }
        guard let record = try record(id: fileID) else { throw FileStoreError.notFound }
        return record
    }

    /// Deletes an incomplete upload and gives its space back.
    public func abortUpload(fileID: Int64) throws {
        let delete = try database.statement("DELETE FROM files WHERE id = ? AND complete = 0")
        try delete.bind(fileID, at: 1)
        try delete.run()
        try database.reclaimSpace()
    }

    /// Deletes what uploads cut off by a crash left behind, and resumable uploads that expired
    /// by `now` (Unix milliseconds); returns how many there were. Unfinished resumable uploads
    /// that have not expired are kept: their clients resume them after the restart.
    @discardableResult
    public func removeIncompleteUploads(now: Int64) throws -> Int {
        let delete = try database.statement(
            """
            DELETE FROM files WHERE complete = 0 AND id NOT IN (
                SELECT file_id FROM tus_uploads WHERE finished_at IS NULL AND expires_at > ?
            )
            """
        )
        try delete.bind(now, at: 1)
        try delete.run()
        let removed = database.changes
        try database.reclaimSpace()
        return removed
    }

    // MARK: Reading

    /// Up to `limit` stored files, newest first, starting after `cursor`.
    public func list(limit: Int, after cursor: FileCursor? = nil) throws -> [FileRecord] {
        let query: Statement
        if let cursor {
            query = try database.statement(
                """
                SELECT \(Self.columns) FROM files
                WHERE complete = 1 AND (created_at, id) < (?, ?)
                ORDER BY created_at DESC, id DESC LIMIT ?
                """
            )
            try query.bind(cursor.createdAt, at: 1)
            try query.bind(cursor.id, at: 2)
            try query.bind(limit, at: 3)
        } else {
            query = try database.statement(
                "SELECT \(Self.columns) FROM files WHERE complete = 1 ORDER BY created_at DESC, id DESC LIMIT ?"
            )
            try query.bind(limit, at: 1)
        }
        defer { query.reset() }
        var records: [FileRecord] = []
        while try query.step() {
            records.append(Self.record(from: query))
        }
        return records
    }

    /// The stored file with this id; nil when unknown or still uploading.
    public func record(id: Int64) throws -> FileRecord? {
        try Self.record(id: id, in: database)
    }

    static func record(id: Int64, in database: Database) throws -> FileRecord? {
        let query = try database.statement("SELECT \(columns) FROM files WHERE id = ? AND complete = 1")
        defer { query.reset() }
        try query.bind(id, at: 1)
        return try query.step() ? record(from: query) : nil
    }

    /// Calls `body` with the bytes of one chunk; nil when there is no such chunk.
    public func withChunk<T>(
        fileID: Int64, sequence: Int64, _ body: (UnsafeRawBufferPointer) throws -> T
    ) throws -> T? {
        let query = try database.statement("SELECT data FROM chunks WHERE file_id = ? AND seq = ?")
        defer { query.reset() }
        try query.bind(fileID, at: 1)
        try query.bind(sequence, at: 2)
        guard try query.step() else { return nil }
        return try query.withBlob(at: 0, body)
    }

    // MARK: Deleting

    /// Deletes a stored file and gives its space back; false when there was no such file.
    public func delete(id: Int64) throws -> Bool {
        let delete = try database.statement("DELETE FROM files WHERE id = ? AND complete = 1")
        try delete.bind(id, at: 1)
        try delete.run()
        let deleted = database.changes == 1
        if deleted { try database.reclaimSpace() }
        return deleted
    }

    private static func record(from row: Statement) -> FileRecord {
        FileRecord(
            id: row.int64(at: 0),
            description: row.string(at: 1),
            filename: row.string(at: 2),
            contentType: row.string(at: 3),
            size: row.int64(at: 4),
            sha256: row.string(at: 5),
            createdAt: row.int64(at: 6),
            uploadedBy: row.string(at: 7),
            chunkSize: Int(row.int64(at: 8))
        )
    }
}

@available(*, unavailable)
extension FileStore: Sendable {}
