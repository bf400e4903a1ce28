/// A small upload (its whole file fits in one chunk row and is in memory by the end of the
/// request body) stored in one transaction: the row, its one chunk and the completion, rather
/// than the three commits of `beginUpload`, `writeChunk` and `completeUpload`. Each commit
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
                    let fileID = database.lastInsertRowID
                    if bytes.count > 0 {
                        let chunk = try database.statement("INSERT INTO chunks (file_id, seq, data) VALUES (?, 0, ?)")
                        try chunk.bind(fileID, at: 1)
                        try chunk.bind(bytes, at: 2)
                        try chunk.run()
                    }
                    // The same completion as `completeUpload`: the search index follows it.
                    let complete = try database.statement(
                        """
                        UPDATE files SET description = ?, size = ?, sha256 = ?, expires_at = ?, complete = 1
                        WHERE id = ? AND complete = 0
                        """
                    )
                    try complete.bind(description, at: 1)
                    try complete.bind(Int64(bytes.count), at: 2)
                    try complete.bind(sha256, at: 3)
                    try complete.bind(expiresAt, at: 4)
                    try complete.bind(fileID, at: 5)
                    try complete.run()
                    guard database.changes == 1 else { throw FileStoreError.notFound }
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
}
