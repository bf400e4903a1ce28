import FileDropAuth
import FileDropMultipart
import FileDropStorage
import Logging
import NIOCore

/// One `POST /upload` (or a guest's `POST /d/TOKEN/upload`), from the first body byte to the
/// durable commit, in one pass: the multipart front door of the upload pipeline.
///
/// The body is parsed as it arrives (`MultipartParser`); each event goes to the
/// `UploadStateMachine`, and this class carries out the action it returns: open the file,
/// hand its bytes to the `ChunkWriter` (which writes 1 MiB chunks on the storage thread and
/// keeps the SHA-256), answer a failure at once, or commit. The description may come before
/// or after the file. At the end the file is committed with a full sync; only then does the
/// client get its 201. Anything that goes wrong before that leaves an incomplete row, deleted
/// at once (or at the next start after a crash).
///
/// A small body (declared, at most one chunk: `SmallFileBuffer`) takes a shorter way: its file
/// is kept in memory and, at the body's end, its row, its one chunk and its completion are
/// one transaction in the group commit (`finishSmall`), one storage step and one commit rather
/// than three. Its answers are the same; a failure rolls it all back, so there is no row to
/// delete.
///
/// The `Uploader` says whose file it is: a signed-in user's, or a guest's through a drop
/// link, whose budget the file draws on as it streams (`UploadAllowance`) and is charged to in
/// the commit's own transaction (so a refused charge stores nothing). A guest's file counts
/// against the quota of the user who made the drop link.
///
/// Space is claimed from the `SpaceGate` before the body is read (as much as the declared
/// length guarantees) and as the file's bytes arrive; past a quota, the storage limit or the
/// free-space reserve the answer is 507 at once, and so it is when the disk fills anyway.
///
/// It reaches its connection only through the closures of `StreamedBodyConnection` (pause and resume
/// reading, answer now), never through the handler itself.
final class FormUpload: StreamedBody {
    /// What an upload needs from the server.
    struct Environment {
        let eventLoop: EventLoop
        let storage: any StorageAccess
        let budget: MemoryBudget
        /// The largest file accepted, in bytes (`--max-upload-size`).
        let maxFileSize: Int64
        /// `--default-file-ttl` and `--max-file-ttl`.
        let lifetime: FileLifetime
        /// Quotas, the storage limit and the free-space reserve.
        let space: SpaceGate
        let clock: WallClock
        let logger: Logger
        /// Where the file's row is listed while it is being written.
        let liveUploads: LiveUploads
        /// Told after an abort, so that the space comes back soon.
        let maintenance: MaintenanceScheduler
        /// Makes each upload's last commit durable, one sync for those that end together.
        let commits: GroupCommit
    }

    /// `finish()` after the upload had failed and answered: a bug in the caller.
    struct AlreadyFailed: Error {}

    /// The upload ended before its file part began: there is no file to write to.
    struct NoFile: Error {}

    private let request: Request
    let uploader: Uploader
    private let allowance: UploadAllowance?
    let environment: Environment
    private let connection: StreamedBodyConnection
    private var parser: MultipartParser
    private var machine: UploadStateMachine
    /// The file's id, once its part began and its row was made.
    private let fileID: EventLoopPromise<Int64>
    private var fileOpened = false
    /// Made with the upload, before the file's id is known, so that it can take its first
    /// buffer's share of the memory budget before any body byte is read.
    private let writer: ChunkWriter
    /// A small upload's file (a declared body of at most one chunk): kept in memory and
    /// stored at the end in one transaction, in the group commit (`finishSmall`); nil: the
    /// file streams to the storage thread through `writer`.
    private let small: SmallFileBuffer?
    /// A small upload's file part: its name and media type, for the row made at the end.
    var smallFile: (filename: String, contentType: String)?
    private var failed = false
    private var released = false
    /// The space this upload holds until it is stored (then counted as stored) or fails.
    private var reservation: SpaceLedger.Reservation?

    private init(
        request: Request, uploader: Uploader, allowance: UploadAllowance?, boundary: String, environment: Environment,
        connection: StreamedBodyConnection, reservation: SpaceLedger.Reservation
    ) {
        self.request = request
        self.uploader = uploader
        self.allowance = allowance
        self.environment = environment
        self.connection = connection
        self.reservation = reservation
        self.parser = MultipartParser(boundary: boundary)
        self.machine = UploadStateMachine(maxFileSize: environment.maxFileSize, lifetime: environment.lifetime)
        fileID = environment.eventLoop.makePromise()
        writer = ChunkWriter(
            storage: environment.storage, budget: environment.budget, fileID: fileID.futureResult,
            expectedBytes: request.declaredBodyLength.map(Int64.init)
        )
        small = SmallFileBuffer(budget: environment.budget, declaredBodyLength: request.declaredBodyLength)
        if let small {
            small.onPause = connection.pauseReading
            small.onResume = connection.resumeReading
            // No row is made before the end: the writer is never used.
            _ = writer.abandon()
            fileID.fail(NoFile())
        }
        writer.onPause = connection.pauseReading
        writer.onResume = connection.resumeReading
        writer.onFailure = { [weak self] error in
            guard let self else { return }
            // A database step failed (disk full, I/O error): answer now rather than read the
            // rest of the body for nothing.
            if error.isOutOfSpace {
                self.environment.logger.warning("upload refused: no room on the disk (\(error))")
            } else {
                self.environment.logger.error("upload failed in storage: \(error)")
            }
            self.perform(self.machine.storageFailed(outOfSpace: error.isOutOfSpace))
        }
    }

    /// Checks what can be checked from the head alone (media type, boundary, declared size),
    /// and reserves the bytes a declared length guarantees: 507 before the body when they
    /// cannot fit. What the uploader may still store of a drop link's budget was checked by the
    /// caller, which passes the `allowance` the upload then draws on; it is released however
    /// the upload ends.
    static func start(
        _ request: Request, uploader: Uploader, allowance: UploadAllowance? = nil, environment: Environment,
        connection: StreamedBodyConnection
    ) -> StreamedBodyStart {
        let decision = UploadStateMachine.decide(
            contentType: request.headers.first(name: "content-type"), declaredBodyLength: request.declaredBodyLength,
            maxFileSize: environment.maxFileSize
        )
        switch decision {
        case .refuse(let status, let message):
            allowance?.release()
            return .refused(UploadAnswers.error(status, message, request: request, uploader: uploader))
        case .accept(let boundary):
            // The file is at least the body less what else a form may carry.
            let atLeast = request.declaredBodyLength.map { Int64($0) - UploadStateMachine.bodyOverheadAllowance } ?? 0
            switch environment.space.reserve(owner: uploader.quotaOwner, bytes: atLeast) {
            case .failure(let refusal):
                allowance?.release()
                return .refused(UploadAnswers.error(.insufficientStorage, refusal.message, request: request, uploader: uploader))
            case .success(let reservation):
                let upload = FormUpload(
                    request: request, uploader: uploader, allowance: allowance, boundary: boundary, environment: environment,
                    connection: connection, reservation: reservation
                )
                if let small = upload.small { small.reserve() } else { upload.writer.reserveFirstBuffer() }
                return .accepted(upload)
            }
        }
    }

    // MARK: The body as it arrives

    func receive(_ buffer: ByteBuffer) {
        environment.eventLoop.assertInEventLoop()
        guard !failed else { return }
        let events: [MultipartEvent]
        do {
            events = try parser.feed(buffer)
        } catch {
            return perform(machine.multipartFailed(error))
        }
        for event in events where !failed {
            perform(machine.receive(event))
        }
    }

    private func perform(_ action: UploadStateMachine.Action) {
        switch action {
        case .none, .commit:
            break  // a commit only follows the body's end, in `finish()`
        case .openFile(let filename, let contentType):
            openFile(filename: filename, contentType: contentType)
        case .appendToFile(let bytes):
            guard fileOpened else { return }
            // A guest's bytes draw on the drop link's budget: past it, 413 at once.
            if let refusal = allowance?.fileGrew(by: bytes.readableBytes) {
                return perform(machine.limitPassed(refusal.status, refusal.message))
            }
            // Claim the bytes before storing them: past a quota or the limit, 507 at once.
            let fileBytes = (small.map { Int64($0.count) } ?? writer.receivedBytes) + Int64(bytes.readableBytes)
            if let reservation, let refusal = environment.space.grow(reservation, to: fileBytes, owner: uploader.quotaOwner) {
                return perform(machine.spaceRefused(refusal.message))
            }
            if let small { small.append(bytes) } else { writer.append(bytes) }
        case .fail(let status, let message):
            guard !failed else { return }
            abort()
            connection.answerNow(UploadAnswers.error(status, message, request: request, uploader: uploader))
        }
    }

    private func openFile(filename: String, contentType: String) {
        guard small == nil else {
            smallFile = (filename, contentType)
            fileOpened = true
            return
        }
        let (uploadedBy, now) = (uploader.uploadedBy, environment.clock.unixMilliseconds)
        environment.storage.run { storage in
            try storage.files.beginUpload(
                filename: filename, contentType: contentType, uploadedBy: uploadedBy, chunkSize: ChunkWriter.chunkSize, now: now
            )
        }.cascade(to: fileID)
        let liveUploads = environment.liveUploads
        fileID.futureResult.assumeIsolated().whenSuccess { liveUploads.insert($0) }
        fileOpened = true
    }

    // MARK: The end

    /// The body ended: check it, commit the file durably, answer.
    func finish() -> EventLoopFuture<Response> {
        let action: UploadStateMachine.Action
        do {
            try parser.finish()
            action = machine.bodyEnded()
        } catch {
            action = machine.multipartFailed(error)
        }
        guard case .commit(let description, let size, let expiresIn) = action, fileOpened else {
            abort()
            guard case .fail(let status, let message) = action else {
                return environment.eventLoop.makeFailedFuture(AlreadyFailed())
            }
            return environment.eventLoop.makeSucceededFuture(UploadAnswers.error(status, message, request: request, uploader: uploader))
        }
        let stored =
            if let small {
                finishSmall(small, description: description, size: size, expiresIn: expiresIn)
            } else {
                finishStreamed(description: description, size: size, expiresIn: expiresIn)
            }
        return answer(stored)
    }

    /// A large (or undeclared) body's file: its chunks are written as they came; the last
    /// chunk is flushed and the row made while the body streamed is completed.
    private func finishStreamed(description: String, size: Int64, expiresIn: Int64?) -> EventLoopFuture<FileRecord> {
        let storage = environment.storage
        let dropID = uploader.dropLink?.id
        let fileID = self.fileID.futureResult
        return writer.flush().assumeIsolated().flatMap { progress in
            fileID.assumeIsolated().flatMap { fileID in
                // The time is read when the last byte is in: the file's life starts at its commit.
                let now = self.environment.clock.unixMilliseconds
                let expiresAt = self.environment.lifetime.expiresAt(expiresIn: expiresIn, completedAt: now)
                // Durable before the 201: the commit is synced with those of other uploads
                // that end at the same time (`GroupCommit`).
                return self.environment.commits.run(on: storage) { storage in
                    var digest = progress.digest
                    let sha256 = Crypto.hex(digest.finalize())
                    // A guest's file is charged to its drop link in the same transaction.
                    let charge = dropID.map { dropID in
                        { try storage.dropLinks.receive(fileID: fileID, size: size, dropID: dropID, now: now) }
                    }
                    return try storage.files.completeUpload(
                        fileID: fileID, description: description, size: size, sha256: sha256, now: now, expiresAt: expiresAt,
                        durable: false, alongside: charge
                    )
                } undo: { storage, record in
                    _ = try? storage.files.delete(id: record.id, now: now)
                }.assumeIsolated().map { record in
                    self.stored(record)
                }.nonisolated()
            }.nonisolated()
        }.nonisolated()
    }

    /// In the turn the commit arrives: the bytes move from reserved to stored.
    func stored(_ record: FileRecord) -> FileRecord {
        if let reservation { environment.space.commit(reservation, storedBytes: record.size) }
        reservation = nil
        return record
    }

    private func answer(_ stored: EventLoopFuture<FileRecord>) -> EventLoopFuture<Response> {
        let (request, uploader) = (request, uploader)
        return stored.assumeIsolated().map { record in
            self.environment.liveUploads.remove(record.id)
            self.machine.committed()
            self.releaseAllowance()
            return UploadAnswers.created(record, request: request, uploader: uploader)
        }.flatMapErrorThrowing { error in
            self.abort()  // the store aborted the row already; this is for the rest
            if error as? FileStoreError == .duplicateDescription, case .fail(let status, let message) = self.machine.descriptionTaken() {
                return UploadAnswers.error(status, message, request: request, uploader: uploader)
            }
            if let link = error as? LinkRefusal, case .fail(let status, let message) = self.machine.commitRefused(link.status, link.message)
            {
                return UploadAnswers.error(status, message, request: request, uploader: uploader)
            }
            if error.isOutOfSpace, case .fail(let status, let message) = self.machine.commitFoundNoSpace() {
                self.environment.logger.warning("upload refused at its commit: no room on the disk (\(error))")
                return UploadAnswers.error(status, message, request: request, uploader: uploader)
            }
            throw error
        }.nonisolated()
    }

    /// Forgets the upload: stops writing at once and hands what was written to the reclaim
    /// task. When even that fails (a full disk), the row stays incomplete and, no longer
    /// live, is found by the periodic sweep.
    func abort() {
        releaseAllowance()
        guard !failed else { return }
        failed = true
        if let reservation { environment.space.release(reservation) }
        reservation = nil
        // A small upload made no row yet (and its file id was never to come).
        if let small { return small.release() }
        let abandoned = writer.abandon()
        guard fileOpened else {
            fileID.fail(NoFile())
            return
        }
        let (storage, logger, environment) = (environment.storage, environment.logger, environment)
        let id = fileID.futureResult
        abandoned.flatMap { id }.assumeIsolated().whenSuccess { fileID in
            storage.run { storage in try storage.files.abortUpload(fileID: fileID) }.assumeIsolated().whenComplete { result in
                environment.liveUploads.remove(fileID)
                switch result {
                case .success: environment.maintenance.wake(StorageMaintenance.reclaimName)
                case .failure(let error): logger.error("could not remove an aborted upload (the sweep will): \(error)")
                }
            }
        }
    }

    private func releaseAllowance() {
        guard !released else { return }
        released = true
        allowance?.release()
    }
}

@available(*, unavailable)
extension FormUpload: Sendable {}
