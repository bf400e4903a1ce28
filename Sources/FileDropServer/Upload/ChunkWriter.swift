import FileDropAuth
import FileDropStorage
import NIOCore

/// Stores one file's bytes as they arrive: gathers them into chunks of `chunkSize` aligned
/// to absolute file offsets, writes each chunk row on the storage thread in order, and keeps
/// the SHA-256 of everything written, updated on that thread too.
///
/// Memory is bounded: one chunk is being filled and at most `maxChunksInFlight` wait for the
/// database. At that point `onPause` asks the caller to stop reading from its socket, and
/// `onResume` lets it go on once a write finished. A storage failure is reported once,
/// through `onFailure` with the error itself (so the caller can choose the status), and
/// every later write is skipped. The writer knows nothing of HTTP, multipart or the handler.
///
/// It is the one storage pipeline for both kinds of upload:
/// - `POST /upload` (`FormUpload`) starts at offset 0 with an empty digest, lets chunk
///   inserts commit one by one (not durably), and at the end calls `flush()` and commits the
///   file with the returned digest in one durable transaction.
/// - A tus `PATCH` (`TusWrite`) starts at the stored offset with the stored digest state
///   (`Progress`). When that offset lies inside a partly filled last chunk, the
///   first write completes that row in place (read-modify-write) rather than adding a small
///   row, so many small PATCHes take no more space than one request. It passes
///   `commitEachChunk` to record the upload's offset in the same transaction as each chunk
///   row (so offset and bytes are committed together, every chunk, well within 8 MiB), and
///   at the end of the PATCH calls `flush()` and commits the final offset durably. (With
///   `Upload-Checksum` it passes no hook: those bytes count only once the checksum holds.)
///
/// Not done here: deciding what the bytes are, answering the client, deleting an abandoned
/// file (the caller knows whether partial bytes are kept, as tus keeps them).
final class ChunkWriter {
    /// 1 MiB: large enough that a 1 GiB file is 1024 rows and SQLite's per-row cost vanishes,
    /// small enough that two in flight keep an upload's memory near 2 MiB.
    static let chunkSize = 1 << 20
    static let maxChunksInFlight = 2

    /// How far a file's content is stored, and the digest of that content.
    struct Progress: Sendable {
        var storedBytes: Int64 = 0
        var digest = SHA256Digest()
    }

    /// Runs on the storage thread right after a chunk row is written, in the same
    /// transaction, with the progress that row brings the file to.
    typealias ChunkCommit = @Sendable (_ storage: Storage, _ fileID: Int64, _ progress: Progress) throws -> Void

    private struct Written: Sendable {
        let fileID: Int64
        var progress: Progress
    }

    var onPause: () -> Void = {}
    var onResume: () -> Void = {}
    var onFailure: (Error) -> Void = { _ in }

    private let storage: any StorageAccess
    private let chunkSize: Int
    private let bufferCapacity: Int
    private let commitEachChunk: ChunkCommit?
    /// Storage steps in order; each starts when the one before ended, and carries the progress.
    private var tail: EventLoopFuture<Written>
    /// Absolute offset of the chunk being filled.
    private var chunkStart: Int64
    /// Bytes at the start of that chunk already in its row (a resumed upload's partial chunk).
    private var kept: Int
    /// Bytes of that chunk after `kept`, not handed to the storage thread yet.
    private var pending = ByteBuffer()
    private var inFlight = 0
    private var paused = false
    private var failed = false
    private var abandoned = false

    /// Bytes given to `append` so far, counted from the file's start.
    private(set) var receivedBytes: Int64
    /// Bytes whose writes completed, counted from the file's start.
    private(set) var storedBytes: Int64

    /// - Parameters:
    ///   - fileID: the file whose chunk rows to write; its failure fails the writer.
    ///   - start: where the stored content ends and the digest of it (`Progress()` for a new file).
    ///   - expectedBytes: how many bytes are coming, when known: a small file gets a small buffer.
    init(
        storage: any StorageAccess, fileID: EventLoopFuture<Int64>, start: Progress = Progress(),
        chunkSize: Int = ChunkWriter.chunkSize, expectedBytes: Int64? = nil, commitEachChunk: ChunkCommit? = nil
    ) {
        precondition(chunkSize > 0 && start.storedBytes >= 0)
        self.storage = storage
        self.chunkSize = chunkSize
        self.bufferCapacity = expectedBytes.map { max(1, min(chunkSize, Int(clamping: $0))) } ?? chunkSize
        self.commitEachChunk = commitEachChunk
        self.tail = fileID.map { Written(fileID: $0, progress: start) }
        self.kept = Int(start.storedBytes % Int64(chunkSize))
        self.chunkStart = start.storedBytes - Int64(kept)
        self.receivedBytes = start.storedBytes
        self.storedBytes = start.storedBytes
        watch(tail)
    }

    /// Takes the next bytes of the file. Full chunks go to the storage thread at once.
    func append(_ bytes: ByteBuffer) {
        tail.eventLoop.assertInEventLoop()
        guard !failed, !abandoned else { return }
        receivedBytes += Int64(bytes.readableBytes)
        var bytes = bytes
        while bytes.readableBytes > 0 {
            let room = chunkSize - kept - pending.readableBytes
            var piece = bytes.readSlice(length: min(room, bytes.readableBytes))!
            if pending.capacity == 0 {
                pending = ByteBufferAllocator().buffer(capacity: min(bufferCapacity, chunkSize - kept))
            }
            pending.writeBuffer(&piece)
            if kept + pending.readableBytes == chunkSize {
                writePending()
            }
        }
    }

    /// Writes what is pending (a partial last chunk too) and completes, on the event loop,
    /// once every write so far is stored; fails with the first storage error.
    func flush() -> EventLoopFuture<Progress> {
        tail.eventLoop.assertInEventLoop()
        if pending.readableBytes > 0 && !failed && !abandoned {
            writePending()
        }
        return tail.map { $0.progress }
    }

    /// Stops writing: pending bytes are dropped and later appends ignored. Completes once
    /// the writes already started are over, whatever their outcome.
    func abandon() -> EventLoopFuture<Void> {
        tail.eventLoop.assertInEventLoop()
        abandoned = true
        pending = ByteBuffer()
        resumeIfPaused()
        return tail.map { _ in }.recover { _ in }
    }

    // MARK: Storage steps

    private func writePending() {
        let chunk = pending
        let sequence = chunkStart / Int64(chunkSize)
        let keepingFirst = kept
        if kept + chunk.readableBytes == chunkSize {
            chunkStart += Int64(chunkSize)
            kept = 0
        } else {
            // A partial chunk written by `flush()`: more bytes complete its row in place.
            kept += chunk.readableBytes
        }
        pending = ByteBuffer()

        inFlight += 1
        if inFlight >= Self.maxChunksInFlight && !paused {
            paused = true
            onPause()
        }
        let (storage, commit) = (self.storage, commitEachChunk)
        tail = tail.assumeIsolated().flatMap { written in
            storage.run { storage in
                var written = written
                try chunk.withUnsafeReadableBytes { bytes in
                    written.progress.digest.update(bytes)
                    written.progress.storedBytes += Int64(bytes.count)
                    let store = {
                        try storage.files.writeChunk(fileID: written.fileID, sequence: sequence, bytes: bytes, keepingFirst: keepingFirst)
                        try commit?(storage, written.fileID, written.progress)
                    }
                    if commit == nil { try store() } else { try storage.transaction(store) }
                }
                return written
            }
        }.nonisolated()
        tail.assumeIsolated().whenComplete { _ in
            self.inFlight -= 1
            if self.inFlight < Self.maxChunksInFlight { self.resumeIfPaused() }
        }
        watch(tail)
    }

    private func watch(_ step: EventLoopFuture<Written>) {
        step.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let written):
                self.storedBytes = max(self.storedBytes, written.progress.storedBytes)
            case .failure(let error):
                guard !self.failed else { return }
                self.failed = true
                self.pending = ByteBuffer()
                self.resumeIfPaused()
                if !self.abandoned { self.onFailure(error) }
            }
        }
    }

    private func resumeIfPaused() {
        guard paused else { return }
        paused = false
        onResume()
    }
}

@available(*, unavailable)
extension ChunkWriter: Sendable {}
