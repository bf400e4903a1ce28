/// A small upload (its whole file fits in one chunk row and is in memory by the end of the
/// request body) stored in one transaction: its row, complete from the start, and its one
/// chunk, rather than the three commits of `beginUpload`, `writeChunk` and `completeUpload`.
/// Each commit writes whole pages to the `-wal` file, so for a file of a few KiB this is a
/// third of the WAL bytes and of the storage steps.
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
                    let fileID = try insertRow(
                        filename: filename, contentType: contentType, uploadedBy: uploadedBy, chunkSize: chunkSize, now: now,
                        completion: Completion(description: description, size: Int64(bytes.count), sha256: sha256, expiresAt: expiresAt)
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
}
