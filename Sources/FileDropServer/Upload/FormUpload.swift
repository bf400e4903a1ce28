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
/// The `Uploader` says whose file it is: a signed-in user's, or a guest's through a drop
/// link, whose budget the file draws on as it streams (`UploadAllowance`) and is charged to in
/// the commit's own transaction (so a refused charge stores nothing).
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
    }

    /// `finish()` after the upload had failed and answered: a bug in the caller.
    struct AlreadyFailed: Error {}

    private let request: Request
    private let uploader: Uploader
    private let allowance: UploadAllowance?
    private let environment: Environment
    private let connection: StreamedBodyConnection
    private var parser: MultipartParser
    private var machine: UploadStateMachine
    private var file: (id: EventLoopFuture<Int64>, writer: ChunkWriter)?
    private var failed = false
    private var released = false

    private init(
        request: Request, uploader: Uploader, allowance: UploadAllowance?, boundary: String, environment: Environment,
        connection: StreamedBodyConnection
    ) {
        self.request = request
        self.uploader = uploader
        self.allowance = allowance
        self.environment = environment
        self.connection = connection
        self.parser = MultipartParser(boundary: boundary)
        self.machine = UploadStateMachine(maxFileSize: environment.maxFileSize)
    }

    /// Checks what can be checked from the head alone (media type, boundary, declared size).
    /// What the uploader may still store (a drop link's budget) was checked by the caller, which
    /// passes the `allowance` the upload then draws on; it is released however the upload ends.
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
            return .accepted(
                FormUpload(
                    request: request, uploader: uploader, allowance: allowance, boundary: boundary, environment: environment,
                    connection: connection
                )
            )
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
            if let refusal = allowance?.fileGrew(by: bytes.readableBytes) {
                return perform(machine.limitPassed(refusal.status, refusal.message))
            }
            file?.writer.append(bytes)
        case .fail(let status, let message):
            guard !failed else { return }
            abort()
            connection.answerNow(UploadAnswers.error(status, message, request: request, uploader: uploader))
        }
    }

    private func openFile(filename: String, contentType: String) {
        let (uploadedBy, now) = (uploader.uploadedBy, environment.clock.unixMilliseconds)
        let id = environment.storage.run { storage in
            try storage.files.beginUpload(
                filename: filename, contentType: contentType, uploadedBy: uploadedBy, chunkSize: ChunkWriter.chunkSize, now: now
            )
        }
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
            return environment.eventLoop.makeSucceededFuture(UploadAnswers.error(status, message, request: request, uploader: uploader))
        }
        let (storage, now, request, uploader) = (environment.storage, environment.clock.unixMilliseconds, request, uploader)
        let dropID = uploader.dropLink?.id
        return file.writer.flush().assumeIsolated().flatMap { progress in
            file.id.assumeIsolated().flatMap { fileID in
                storage.run { storage in
                    var digest = progress.digest
                    let sha256 = Crypto.hex(digest.finalize())
                    // A guest's file is charged to its drop link in the same transaction.
                    let charge = dropID.map { dropID in
                        { try storage.dropLinks.receive(fileID: fileID, size: size, dropID: dropID, now: now) }
                    }
                    return try storage.files.completeUpload(
                        fileID: fileID, description: description, size: size, sha256: sha256, now: now, alongside: charge
                    )
                }
            }.nonisolated()
        }.map { record in
            self.machine.committed()
            self.releaseAllowance()
            return UploadAnswers.created(record, request: request, uploader: uploader)
        }.flatMapErrorThrowing { error in
            self.abort()  // the store deleted the row already on a duplicate; this is for the rest
            let refusal: UploadStateMachine.Action
            switch error {
            case FileStoreError.duplicateDescription: refusal = self.machine.descriptionTaken()
            case let link as LinkRefusal: refusal = self.machine.commitRefused(link.status, link.message)
            default: throw error
            }
            guard case .fail(let status, let message) = refusal else { throw error }
            return UploadAnswers.error(status, message, request: request, uploader: uploader)
        }.nonisolated()
    }

    /// Forgets the upload: stops writing at once and deletes what was written.
    func abort() {
        releaseAllowance()
        guard !failed else { return }
        failed = true
        guard let file else { return }
        let (storage, logger) = (environment.storage, environment.logger)
        let id = file.id
        file.writer.abandon().flatMap { id }.assumeIsolated().whenSuccess { fileID in
            storage.run { storage in try storage.files.abortUpload(fileID: fileID) }
                .whenFailure { logger.error("could not remove an aborted upload: \($0)") }
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
