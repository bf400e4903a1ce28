import FileDropAuth
import FileDropStorage
import NIOCore
import NIOHTTP1

/// How a `TusWrite` ends: committing what it stored, or bringing the upload back to where it
/// started, then releasing its claim; and what it answers.
extension TusWrite {
    /// Where a committed request left the upload.
    struct Committed: Sendable {
        var offset: Int64
        var expiresAt: Int64
        /// The stored file, once the upload is complete.
        var fileID: Int64?
    }

    /// Stores what is pending and commits the upload's offset and digest durably; on the
    /// last byte, the file becomes a stored file in the same commit.
    func commit(_ writer: ChunkWriter) -> EventLoopFuture<Committed> {
        let upload = self.upload!
        let received = machine.received
        let (storage, clock, lifetime, loop) = (routes.storage, routes.clock, routes.lifetimeMilliseconds, routes.eventLoop)
        let (fileLifetime, maintenance) = (routes.fileLifetime, routes.maintenance)
        return writer.flush().assumeIsolated().flatMap { progress -> EventLoopFuture<Committed> in
            guard received > 0 else {  // nothing new: nothing to commit, and the expiry stays
                let unchanged = Committed(
                    offset: upload.offset, expiresAt: upload.expiresAt, fileID: upload.isFinished ? upload.fileID : nil)
                return loop.makeSucceededFuture(unchanged)
            }
            return storage.run { storage in
                let now = clock.unixMilliseconds
                var completion: TusCompletion?
                if progress.storedBytes == upload.length {
                    var digest = progress.digest
                    completion = TusCompletion(
                        sha256: Crypto.hex(digest.finalize()), answeredUntil: now + lifetime,
                        fileExpiresAt: fileLifetime.expiresAt(expiresIn: upload.expiresIn, completedAt: now)
                    )
                }
                let expiresAt = completion?.answeredUntil ?? now + lifetime
                let record = try storage.uploads.commit(
                    id: upload.id, offset: progress.storedBytes, digestState: progress.digest.state, expiresAt: expiresAt,
                    completion: completion, now: now
                )
                return Committed(offset: progress.storedBytes, expiresAt: expiresAt, fileID: record?.id)
            }
        }.always { result in
            // A file sent in small pieces freed the pages of its rewritten last chunks.
            if case .success(let committed) = result, committed.fileID != nil { maintenance.wake(StorageMaintenance.reclaimName) }
            self.release()
        }.nonisolated()
    }

    /// Stops writing and brings the upload back to where this request started (a creation:
    /// removes it).
    func rollBack(_ writer: ChunkWriter) -> EventLoopFuture<Void> {
        let upload = self.upload!
        let (storage, kind, logger, space, maintenance) = (routes.storage, kind, routes.logger, routes.space, routes.maintenance)
        return writer.abandon().assumeIsolated().flatMap {
            storage.run { storage -> TusStore.Termination? in
                if kind == .creation { return try storage.uploads.terminate(id: upload.id) }
                try storage.uploads.discard(beyond: upload.offset, of: upload, digestState: upload.digestState)
                return nil
            }
        }.map { termination in
            if case .removed(let removal)? = termination { space.removeStored(owner: removal.uploadedBy, bytes: removal.bytes) }
            maintenance.wake(StorageMaintenance.reclaimName)
        }.recover { error in
            logger.error("could not give back a refused request's bytes: \(error)")
        }.always { _ in
            self.release()
        }.nonisolated()
    }

    /// Gives the upload back to other requests; the request's storage work is over.
    func release() {
        guard !isOver else { return }
        isOver = true
        if let claim { routes.active.release(claim) }
        claim = nil
        machine.ended()
        over.succeed(())
    }

    /// The answer to a request that wrote (or tried to) and succeeded.
    func answer(offset: Int64, expiresAt: Int64, fileID: Int64?) -> Response {
        var response: Response
        switch kind {
        case .creation:
            response = Response(status: .created)
            response.headers.add(name: "Location", value: mount!.location(of: upload!.id))
        case .patch:
            response = Response(status: .noContent)
            if let fileID, let location = mount!.fileLocation(fileID) { response.headers.add(name: "Location", value: location) }
        }
        response.headers.add(name: "Upload-Offset", value: String(offset))
        response.headers.add(name: "Upload-Expires", value: HTTPDate.format(unixMilliseconds: expiresAt))
        response.headers.add(name: "Cache-Control", value: "no-store")
        return response
    }
}
