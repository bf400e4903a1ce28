import FileDropAuth
import FileDropMultipart
import FileDropStorage
import NIOCore
import NIOHTTP1

/// One `POST /upload`, from the first body byte to the durable commit, in one pass.
///
/// The multipart body is parsed as it arrives. The `inputFile` part's bytes are gathered into
/// chunks of `chunkSize` and each full chunk is written to SQLite on the storage thread,
/// where the SHA-256 is also updated; no temp file, no whole-file buffer. While two chunks
/// wait for the database, reading from the socket pauses. The description may come before or
/// after the file. At the end the description is checked and the upload committed with a
/// full sync; only then does the client get its 201. Anything that goes wrong before that
/// leaves an incomplete row, deleted at once (or at the next start after a crash).
final class UploadSession {
    /// 1 MiB: large enough that a 1 GiB file is 1024 rows and SQLite's per-row cost vanishes,
    /// small enough that two in flight keep an upload's memory near 2 MiB.
    static let chunkSize = 1 << 20
    static let maxChunksInFlight = 2
    /// Raw bytes of the description part (200 scalars are at most 800 UTF-8 bytes, plus spaces).
    static let maxDescriptionBytes = 4096
    /// Bytes of parts other than the file and the description, which are read and dropped.
    static let maxOtherPartBytes = 64 * 1024
    /// What a body may hold beyond the file: part headers, boundaries, the description.
    static let bodyOverheadAllowance: Int64 = 1 << 20

    private enum Part {
        case file, description, other
    }

    private let exchange: Exchange
    private let server: ServerContext
    /// Weak: database callbacks may outlive the connection they were started for.
    private weak var connection: HTTPHandler?
    private var parser: MultipartParser
    private let user: String

    private var currentPart = Part.other
    private var fileSeen = false
    private var filename = "upload"
    private var filenameWasEmpty = false
    private var fileBytes: Int64 = 0
    private var descriptionBytes: [UInt8]?
    private var otherBytes = 0
    private var pendingChunk: ByteBuffer
    private var sequence: Int64 = 0

    /// Database work for this upload, in order; each step starts when the one before ends.
    private var tail: EventLoopFuture<Void>
    /// The id of the incomplete row, shared with the database steps' callbacks (not through
    /// `self`, which may be gone when they run: an abort must still delete the row).
    private final class FileIDBox: @unchecked Sendable { var value: Int64? }
    private let fileIDBox = FileIDBox()
    private var fileID: Int64? {
        get { fileIDBox.value }
        set { fileIDBox.value = newValue }
    }
    private var chunksInFlight = 0
    private var failed = false
    private final class DigestBox: @unchecked Sendable { var digest = SHA256Digest() }
    private let digest = DigestBox()

    private init(exchange: Exchange, server: ServerContext, connection: HTTPHandler, boundary: String) {
        self.exchange = exchange
        self.server = server
        self.connection = connection
        self.parser = MultipartParser(boundary: boundary)
        self.user = exchange.principal?.user ?? ""
        self.pendingChunk = ByteBuffer()
        self.tail = server.eventLoop.makeSucceededVoidFuture()
    }

    /// Checks what can be checked from the head alone (media type, boundary, declared size).
    enum Start {
        case accepted(UploadSession)
        /// Refused from the head alone; the body is not read.
        case refused(Response)
    }

    static func start(exchange: Exchange, server: ServerContext, connection: HTTPHandler) -> Start {
        let request = exchange.request
        let boundary: String
        switch MultipartContentType.parse(request.headers.first(name: "content-type")) {
        case .notMultipart:
            return .refused(error(.unsupportedMediaType, "Send the file as multipart/form-data", request: request))
        case .missingBoundary:
            return .refused(error(.badRequest, "multipart/form-data needs a boundary", request: request))
        case .formData(let value):
            boundary = value
        }
        let limit = server.configuration.maxUploadSize
        if let declared = request.declaredBodyLength, Int64(declared) > limit &+ bodyOverheadAllowance {
            return .refused(tooLarge(limit, request: request))
        }
        return .accepted(UploadSession(exchange: exchange, server: server, connection: connection, boundary: boundary))
    }

    // MARK: The body as it arrives

    func receive(_ buffer: ByteBuffer) {
        guard !failed else { return }
        let events: [MultipartEvent]
        do {
            events = try parser.feed(buffer)
        } catch {
            return fail(Self.error(.badRequest, Self.describe(error), request: exchange.request))
        }
        for event in events where !failed {
            handle(event)
        }
    }

    private func handle(_ event: MultipartEvent) {
        switch event {
        case .partBegin(let head):
            switch head.name {
            case "inputFile":
                guard !fileSeen else {
                    return fail(Self.error(.badRequest, "Send one inputFile part per upload", request: exchange.request))
                }
                fileSeen = true
                currentPart = .file
                filename = UploadFilename.clean(head.filename)
                filenameWasEmpty = head.filename == ""
                beginFile(contentType: head.contentType ?? "application/octet-stream")
            case "description":
                guard descriptionBytes == nil else {
                    return fail(Self.error(.badRequest, "Send one description part per upload", request: exchange.request))
                }
                currentPart = .description
                descriptionBytes = []
            default:
                currentPart = .other
            }
        case .body(let bytes):
            receivePartData(bytes)
        case .partEnd:
            currentPart = .other
        case .end:
            break
        }
    }

    private func receivePartData(_ bytes: ByteBuffer) {
        switch currentPart {
        case .file:
            fileBytes += Int64(bytes.readableBytes)
            guard fileBytes <= server.configuration.maxUploadSize else {
                return fail(Self.tooLarge(server.configuration.maxUploadSize, request: exchange.request))
            }
            var bytes = bytes
            while bytes.readableBytes > 0 {
                let room = Self.chunkSize - pendingChunk.readableBytes
                var piece = bytes.readSlice(length: min(room, bytes.readableBytes))!
                if pendingChunk.capacity == 0 {
                    // A small upload needs no 1 MiB buffer: the body's length bounds the chunk.
                    let capacity = exchange.request.declaredBodyLength.map { min(Self.chunkSize, $0) } ?? Self.chunkSize
                    pendingChunk = ByteBufferAllocator().buffer(capacity: capacity)
                }
                pendingChunk.writeBuffer(&piece)
                if pendingChunk.readableBytes == Self.chunkSize {
                    writePendingChunk()
                }
            }
        case .description:
            guard descriptionBytes!.count + bytes.readableBytes <= Self.maxDescriptionBytes else {
                return fail(Self.error(.badRequest, "The description is too long (200 characters at most)", request: exchange.request))
            }
            descriptionBytes!.append(contentsOf: bytes.readableBytesView)
        case .other:
            otherBytes += bytes.readableBytes
            guard otherBytes <= Self.maxOtherPartBytes else {
                return fail(Self.error(.badRequest, "Unexpected form fields are too large", request: exchange.request))
            }
        }
    }

    // MARK: Database steps

    /// A database step failed (disk full, I/O error): answer 500 now rather than read the
    /// rest of the body for nothing.
    private func watchForStorageFailure() {
        tail.whenFailure { [weak self] error in
            guard let self, !self.failed else { return }
            self.server.logger.error("upload failed in storage: \(error)")
            self.fail(.message(.internalServerError, "Could not store the file"))
        }
    }

    private func beginFile(contentType: String) {
        let (filename, user, now) = (filename, user, server.nowMilliseconds)
        tail = tail.flatMap { [server, fileIDBox] in
            server.database { storage in
                try storage.files.beginUpload(
                    filename: filename, contentType: contentType, uploadedBy: user, chunkSize: Self.chunkSize, now: now
                )
            }.map { id in fileIDBox.value = id }
        }
        watchForStorageFailure()
    }

    private func writePendingChunk() {
        let chunk = pendingChunk
        pendingChunk = ByteBuffer()
        let sequence = self.sequence
        self.sequence += 1
        chunksInFlight += 1
        if chunksInFlight >= Self.maxChunksInFlight { connection?.pauseReading() }
        let digest = self.digest
        tail = tail.flatMap { [server, fileIDBox] in
            guard let fileID = fileIDBox.value else { return server.eventLoop.makeSucceededVoidFuture() }
            return server.database { storage in
                try chunk.withUnsafeReadableBytes { bytes in
                    digest.digest.update(bytes)
                    try storage.files.appendChunk(fileID: fileID, sequence: sequence, bytes: bytes)
                }
            }
        }
        watchForStorageFailure()
        tail.whenComplete { [weak self] _ in
            guard let self else { return }
            self.chunksInFlight -= 1
            if self.chunksInFlight < Self.maxChunksInFlight { self.connection?.resumeReading() }
        }
    }

    // MARK: The end

    /// The body ended: check it, commit the file durably, answer.
    func finish() -> EventLoopFuture<Response> {
        let request = exchange.request
        do {
            try parser.finish()
        } catch {
            abort()
            return server.eventLoop.makeSucceededFuture(Self.error(.badRequest, Self.describe(error), request: request))
        }
        guard fileSeen, !(filenameWasEmpty && fileBytes == 0) else {
            abort()
            return server.eventLoop.makeSucceededFuture(Self.error(.badRequest, "No file: send it in the inputFile part", request: request))
        }
        let description: String
        switch UploadDescription.parse(descriptionBytes) {
        case .failure(let problem):
            abort()
            return server.eventLoop.makeSucceededFuture(Self.error(.badRequest, problem.message, request: request))
        case .success(let value):
            description = value
        }
        if pendingChunk.readableBytes > 0 { writePendingChunk() }

        let (size, now, digest) = (fileBytes, server.nowMilliseconds, digest)
        let committed = tail.flatMap { [server, weak self] () -> EventLoopFuture<FileRecord> in
            guard let fileID = self?.fileID else {
                return server.eventLoop.makeFailedFuture(FileStoreError.notFound)
            }
            return server.database { storage in
                let sha256 = Crypto.hex(digest.digest.finalize())
                return try storage.files.completeUpload(fileID: fileID, description: description, size: size, sha256: sha256, now: now)
            }
        }
        return committed.map { record in
            self.fileID = nil
            return Self.created(record, request: request)
        }.flatMapErrorThrowing { error in
            self.fileID = nil  // the store deleted it, or it never existed
            if error as? FileStoreError == .duplicateDescription {
                return Self.error(.conflict, "A file with this description already exists", request: request)
            }
            throw error
        }
    }

    /// Forgets the upload: stops at once, deletes what was written.
    func abort() {
        failed = true
        connection?.resumeReading()
        tail.whenComplete { [server, fileIDBox] _ in
            guard let fileID = fileIDBox.value else { return }
            fileIDBox.value = nil
            server.database { storage in try storage.files.abortUpload(fileID: fileID) }
                .whenFailure { server.logger.error("could not remove an aborted upload: \($0)") }
        }
    }

    private func fail(_ response: Response) {
        guard !failed else { return }
        abort()
        connection?.uploadFailed(exchange, response)
    }
}
