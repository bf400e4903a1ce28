import FileDropAuth
import FileDropStorage
import NIOCore

/// The end of a small upload (`SmallFileBuffer`): the file is stored whole, in one step.
extension FormUpload {
    /// A small body's file, all in memory: its row, its one chunk and its completion in one
    /// transaction, in the group commit (so its sync is shared, and it is durable before the
    /// 201 as the streamed path's completion is). A description already taken, a drop link's
    /// refusal or a full disk roll the whole transaction back: nothing of the file is kept.
    func finishSmall(
        _ small: SmallFileBuffer, description: String, size: Int64, expiresIn: Int64?
    ) -> EventLoopFuture<FileRecord> {
        guard let file = smallFile else { return environment.eventLoop.makeFailedFuture(NoFile()) }
        let bytes = small.take()
        let (uploadedBy, dropID) = (uploader.uploadedBy, uploader.dropLink?.id)
        // The time is read when the last byte is in: the file's life starts at its commit.
        let now = environment.clock.unixMilliseconds
        let expiresAt = environment.lifetime.expiresAt(expiresIn: expiresIn, completedAt: now)
        return environment.commits.run(on: environment.storage) { storage in
            try bytes.withUnsafeReadableBytes { content in
                var digest = SHA256Digest()
                digest.update(content)
                let sha256 = Crypto.hex(digest.finalize())
                // A guest's file is charged to its drop link in the same transaction.
                let charge = dropID.map { dropID in
                    { fileID in try storage.dropLinks.receive(fileID: fileID, size: size, dropID: dropID, now: now) }
                }
                return try storage.files.storeSmallUpload(
                    filename: file.filename, contentType: file.contentType, uploadedBy: uploadedBy, chunkSize: ChunkWriter.chunkSize,
                    bytes: content, description: description, sha256: sha256, now: now, expiresAt: expiresAt, durable: false,
                    alongside: charge
                )
            }
        } undo: { storage, record in
            _ = try? storage.files.delete(id: record.id, now: now)
        }.assumeIsolated().map { record in
            small.release()
            return self.stored(record)
        }.nonisolated()
    }
}
