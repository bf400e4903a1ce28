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
/// It reaches its connection only through the closures of `StreamedBodyConnection` (pause and resume
/// reading, answer now), never through the handler itself.
final class FormUpload: StreamedBody {
    /// What an upload needs from the server.
    struct Environment {
        let eventLoop: EventLoop
        let storage: any StorageAccess
        /// The largest file accepted, in bytes (`--max-upload-size`).
        let maxFileSize: Int64
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

    private init(request: Request, user: String, boundary: String, environment: Environment, connection: StreamedBodyConnection) {
        self.request = request
        self.user = user
        self.environment = environment
        self.connection = connection
        self.parser = MultipartParser(boundary: boundary)
        self.machine = UploadStateMachine(maxFileSize: environment.maxFileSize)
    }

    /// Checks what can be checked from the head alone (media type, boundary, declared size).
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
            return .accepted(FormUpload(request: request, user: user, boundary: boundary, environment: environment, connection: connection))
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
            file?.writer.append(bytes)
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
            self.environment.logger.error("upload failed in storage: \(error)")
            self.perform(self.machine.storageFailed())
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
        guard case .commit(let description, let size) = action, let file else {
            abort()
            guard case .fail(let status, let message) = action else {
                return environment.eventLoop.makeFailedFuture(AlreadyFailed())
            }
            return environment.eventLoop.makeSucceededFuture(UploadAnswers.error(status, message, request: request))
        }
        let (storage, now, request) = (environment.storage, environment.clock.unixMilliseconds, request)
        return file.writer.flush().assumeIsolated().flatMap { progress in
            file.id.assumeIsolated().flatMap { fileID in
                storage.run { storage in
                    var digest = progress.digest
                    let sha256 = Crypto.hex(digest.finalize())
                    return try storage.files.completeUpload(fileID: fileID, description: description, size: size, sha256: sha256, now: now)
                }
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
            throw error
        }.nonisolated()
    }

    /// Forgets the upload: stops writing at once and hands what was written to the reclaim
    /// task. When even that fails (a full disk), the row stays incomplete and, no longer
    /// live, is found by the periodic sweep.
    func abort() {
        guard !failed else { return }
        failed = true
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
