import FileDropAuth
import FileDropMultipart
import FileDropStorage
import Logging
import NIOCore

/// One `POST /upload`, from the first body byte to the durable commit, in one pass: the
/// multipart front door of the upload pipeline.
///
/// The body is parsed as it arrives (`MultipartParser`); each event goes to the
/// `UploadStateMachine`, and this class carries out the action it returns: open the file,
/// hand its bytes to the `ChunkWriter` (which writes 1 MiB chunks on the storage thread and
/// keeps the SHA-256), answer a failure at once, or commit. The description may come before
/// or after the file. At the end the file is committed with a full sync; only then does the
/// client get its 201. Anything that goes wrong before that leaves an incomplete row, deleted
/// at once (or at the next start after a crash).
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
    }

    /// `finish()` after the upload had failed and answered: a bug in the caller.
    struct AlreadyFailed: Error {}

    private let request: Request
    private let user: String
    private let environment: Environment
    private let connection: StreamedBodyConnection
    private var parser: MultipartParser
    private var machine: UploadStateMachine
    private var file: (id: EventLoopFuture<Int64>, writer: ChunkWriter)?
    private var failed = false
    /// The space this upload holds until it is stored (then counted as stored) or fails.
    private var reservation: SpaceLedger.Reservation?

    private init(
        request: Request, user: String, boundary: String, environment: Environment, connection: StreamedBodyConnection,
        reservation: SpaceLedger.Reservation
    ) {
        self.request = request
        self.user = user
        self.environment = environment
        self.connection = connection
        self.reservation = reservation
        self.parser = MultipartParser(boundary: boundary)
        self.machine = UploadStateMachine(maxFileSize: environment.maxFileSize, lifetime: environment.lifetime)
    }

    /// Checks what can be checked from the head alone (media type, boundary, declared size),
    /// and reserves the bytes a declared length guarantees: 507 before the body when they
    /// cannot fit.
    static func start(
        _ request: Request, user: String, environment: Environment, connection: StreamedBodyConnection
    ) -> StreamedBodyStart {
        let decision = UploadStateMachine.decide(
            contentType: request.headers.first(name: "content-type"), declaredBodyLength: request.declaredBodyLength,
            maxFileSize: environment.maxFileSize
        )
        switch decision {
        case .refuse(let status, let message):
            return .refused(UploadAnswers.error(status, message, request: request))
        case .accept(let boundary):
            // The file is at least the body less what else a form may carry.
            let atLeast = request.declaredBodyLength.map { Int64($0) - UploadStateMachine.bodyOverheadAllowance } ?? 0
            switch environment.space.reserve(owner: user, bytes: atLeast) {
            case .failure(let refusal):
                return .refused(UploadAnswers.error(.insufficientStorage, refusal.message, request: request))
            case .success(let reservation):
                return .accepted(
                    FormUpload(
                        request: request, user: user, boundary: boundary, environment: environment, connection: connection,
                        reservation: reservation
                    )
                )
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
            guard let writer = file?.writer else { return }
            // Claim the bytes before storing them: past a quota or the limit, 507 at once.
            let fileBytes = writer.receivedBytes + Int64(bytes.readableBytes)
            if let reservation, let refusal = environment.space.grow(reservation, to: fileBytes, owner: user) {
                return perform(machine.spaceRefused(refusal.message))
            }
            writer.append(bytes)
        case .fail(let status, let message):
            guard !failed else { return }
            abort()
            connection.answerNow(UploadAnswers.error(status, message, request: request))
        }
    }

    private func openFile(filename: String, contentType: String) {
        let (user, now) = (user, environment.clock.unixMilliseconds)
        let id = environment.storage.run { storage in
            try storage.files.beginUpload(
                filename: filename, contentType: contentType, uploadedBy: user, chunkSize: ChunkWriter.chunkSize, now: now
            )
        }
        let liveUploads = environment.liveUploads
        id.assumeIsolated().whenSuccess { liveUploads.insert($0) }
        let writer = ChunkWriter(storage: environment.storage, fileID: id, expectedBytes: request.declaredBodyLength.map(Int64.init))
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
        file = (id, writer)
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
        guard case .commit(let description, let size, let expiresIn) = action, let file else {
            abort()
            guard case .fail(let status, let message) = action else {
                return environment.eventLoop.makeFailedFuture(AlreadyFailed())
            }
            return environment.eventLoop.makeSucceededFuture(UploadAnswers.error(status, message, request: request))
        }
        let (storage, request) = (environment.storage, request)
        return file.writer.flush().assumeIsolated().flatMap { progress in
            file.id.assumeIsolated().flatMap { fileID in
                // The time is read when the last byte is in: the file's life starts at its commit.
                let now = self.environment.clock.unixMilliseconds
                let expiresAt = self.environment.lifetime.expiresAt(expiresIn: expiresIn, completedAt: now)
                return storage.run { storage in
                    var digest = progress.digest
                    let sha256 = Crypto.hex(digest.finalize())
                    return try storage.files.completeUpload(
                        fileID: fileID, description: description, size: size, sha256: sha256, now: now, expiresAt: expiresAt
                    )
                }.assumeIsolated().map { record in
                    // In the turn the commit arrives: the bytes move from reserved to stored.
                    if let reservation = self.reservation { self.environment.space.commit(reservation, storedBytes: record.size) }
                    self.reservation = nil
                    return record
                }.nonisolated()
            }.nonisolated()
        }.map { record in
            self.environment.liveUploads.remove(record.id)
            self.machine.committed()
            return UploadAnswers.created(record, request: request)
        }.flatMapErrorThrowing { error in
            self.abort()  // the store deleted the row already on a duplicate; this is for the rest
            if error as? FileStoreError == .duplicateDescription, case .fail(let status, let message) = self.machine.descriptionTaken() {
                return UploadAnswers.error(status, message, request: request)
            }
            if error.isOutOfSpace, case .fail(let status, let message) = self.machine.commitFoundNoSpace() {
                self.environment.logger.warning("upload refused at its commit: no room on the disk (\(error))")
                return UploadAnswers.error(status, message, request: request)
            }
            throw error
        }.nonisolated()
    }

    /// Forgets the upload: stops writing at once and hands what was written to the reclaim
    /// task. When even that fails (a full disk), the row stays incomplete and, no longer
    /// live, is found by the periodic sweep.
    func abort() {
        guard !failed else { return }
        failed = true
        if let reservation { environment.space.release(reservation) }
        reservation = nil
        guard let file else { return }
        let (storage, logger, environment) = (environment.storage, environment.logger, environment)
        let id = file.id
        file.writer.abandon().flatMap { id }.assumeIsolated().whenSuccess { fileID in
            storage.run { storage in try storage.files.abortUpload(fileID: fileID) }.assumeIsolated().whenComplete { result in
                environment.liveUploads.remove(fileID)
                switch result {
                case .success: environment.maintenance.wake(StorageMaintenance.reclaimName)
                case .failure(let error): logger.error("could not remove an aborted upload (the sweep will): \(error)")
                }
            }
        }
    }
}

@available(*, unavailable)
extension FormUpload: Sendable {}
