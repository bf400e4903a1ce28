/// A small upload (its whole file fits in one chunk row and is in memory by the end of the
/// request body) stored in one transaction: its row, complete from the start, and its one
/// chunk, rather than the three commits of `beginUpload`, `writeChunk` and `completeUpload`. Each commit
/// writes whole pages to the `-wal` file, so for a file of a few KiB this is a third of the
/// WAL bytes and of the storage steps.
///
/// The rules are those of the three steps: the free-space check before the bytes, a
/// description already taken is `FileStoreError.duplicateDescription`, and `alongside` runs in
/// the same transaction after the file is marked complete (a drop link's charge). On any
/// failure the transaction is rolled back, so nothing of the file is kept, not even an
/// incomplete row for the sweep.
extension FileStore {
    /// Stores a whole file of at most `chunkSize` bytes as complete; see `completeUpload` for
    /// `durable` (false: the caller syncs before it tells anyone, as a group commit does).
    /// `alongside` gets the new file's id.
    public func storeSmallUpload(
        filename: String, contentType: String, uploadedBy: String, chunkSize: Int, bytes: UnsafeRawBufferPointer,
        description: String, sha256: String, now: Int64, expiresAt: Int64? = nil, durable: Bool = true,
        alongside: ((_ fileID: Int64) throws -> Void)? = nil
    ) throws -> FileRecord {
        precondition(bytes.count <= chunkSize, "a small upload is one chunk")
        try checkFreeSpace(for: Int64(bytes.count))
        let fileID: Int64
        do {
            fileID = try noticingFullDisk {
                try database.transaction(durable: durable) {
                    let fileID = try insertCompleteRow(
                        filename: filename, contentType: contentType, uploadedBy: uploadedBy, chunkSize: chunkSize,
                        description: description, size: Int64(bytes.count), sha256: sha256, now: now, expiresAt: expiresAt
                    )
                    if bytes.count > 0 {
                        try writeChunkRow(fileID: fileID, sequence: 0, bytes: bytes, keepingFirst: 0)
                    }
                    try alongside?(fileID)
                    return fileID
                }
            }
        } catch let error as DatabaseError where error.isUniqueConstraintViolation {
            throw FileStoreError.duplicateDescription
        }
        guard let record = try record(id: fileID, now: now) else { throw FileStoreError.notFound }
        return record
    }

    /// The row of a file stored whole, complete from the start: one insert, where an
    /// incomplete row completed later costs an update of the row, of its indexes and of the
    /// search index (which drops the row's first entry and indexes it again).
    private func insertCompleteRow(
        filename: String, contentType: String, uploadedBy: String, chunkSize: Int, description: String, size: Int64,
        sha256: String, now: Int64, expiresAt: Int64?
    ) throws -> Int64 {
        let insert = try database.statement(
            """
            INSERT INTO files (filename, content_type, chunk_size, created_at, uploaded_by, description, size, sha256,
                               expires_at, complete)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
            """
        )
        try insert.bind(filename, at: 1)
        try insert.bind(contentType, at: 2)
        try insert.bind(chunkSize, at: 3)
        try insert.bind(now, at: 4)
        try insert.bind(uploadedBy, at: 5)
        try insert.bind(description, at: 6)
        try insert.bind(size, at: 7)
        try insert.bind(sha256, at: 8)
        try insert.bind(expiresAt, at: 9)
        try insert.run()
        return database.lastInsertRowID
    }
}
