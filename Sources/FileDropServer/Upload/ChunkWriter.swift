import FileDropAuth
import FileDropStorage
import NIOCore

/// Stores one file's bytes as they arrive: gathers them into chunks of `chunkSize` aligned
/// to absolute file offsets, writes each chunk row on the storage thread in order, and keeps
/// the SHA-256 of everything written. The digest is updated on the event loop as each chunk
/// is handed over (about 0.5 ms a MiB), so that the storage thread, which bounds a large
/// upload's speed, only writes; each write carries the progress its chunk brings the file to.
///
/// Memory is bounded: one chunk is being filled and at most `maxChunksInFlight` wait for the
/// database. At that point `onPause` asks the caller to stop reading from its socket, and
/// `onResume` lets it go on once a write finished. Every chunk buffer is also counted against
/// the server's `MemoryBudget`, from before it is filled until its row is written: a writer
/// that needs a new buffer while the budget is spent pauses its caller the same way, and
/// keeps what was already read meanwhile (counted too) until its turn comes. So both upload
/// front doors, multipart and tus, are covered by the budget without knowing of it. A storage failure is reported once,
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
    /// When the buffer being filled has less room than this, the next buffer's budget is
    /// asked for ahead, while reading goes on; reading pauses only if the buffer fills before
    /// the grant comes. A writer never pauses while it holds a buffer with room: its budget
    /// comes back only once that buffer is full and written, so waiting then could leave
    /// every holder waiting for the others. What a connection reads after it was asked to
    /// pause is at most one wake-up's reads (`Server` reads at most 4 × 64 KiB at a time).
    static let reserveAheadRoom = 256 * 1024

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
    private let budget: MemoryBudget
    private let chunkSize: Int
    private let bufferCapacity: Int
    private let expectedBytes: Int64?
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
    /// The content handed to the storage thread so far, and its digest.
    private var handedOver: Progress
    /// Budget held for `pending`'s buffer (0: none yet).
    private var granted = 0
    /// Budget held already for the buffer after `pending`'s.
    private var ahead = 0
    /// Waiting for budget for the next buffer: reading pauses meanwhile, and bytes that still
    /// arrive with no buffer to take them wait in `held`.
    private var ticket: MemoryBudget.Ticket?
    private var held: [ByteBuffer] = []
    /// Bytes in `held`, charged to the budget as they are.
    private var heldBytes = 0
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
        storage: any StorageAccess, budget: MemoryBudget, fileID: EventLoopFuture<Int64>, start: Progress = Progress(),
        chunkSize: Int = ChunkWriter.chunkSize, expectedBytes: Int64? = nil, commitEachChunk: ChunkCommit? = nil
    ) {
        precondition(chunkSize > 0 && start.storedBytes >= 0)
        self.storage = storage
        self.budget = budget
        self.chunkSize = chunkSize
        self.bufferCapacity = expectedBytes.map { max(1, min(chunkSize, Int(clamping: $0))) } ?? chunkSize
        self.expectedBytes = expectedBytes
        self.commitEachChunk = commitEachChunk
        self.tail = fileID.map { Written(fileID: $0, progress: start) }
        self.handedOver = start
        self.kept = Int(start.storedBytes % Int64(chunkSize))
        self.chunkStart = start.storedBytes - Int64(kept)
        self.receivedBytes = start.storedBytes
        self.storedBytes = start.storedBytes
        watch(tail)
    }

    /// Asks for the first buffer's budget before any byte arrives (reading pauses until it is
    /// granted: the writer holds nothing yet, so its waiting holds nobody up), so that a
    /// connection made to wait has read next to nothing it must hold. Call it once `onPause`
    /// and `onResume` are set; without it the first `append` asks.
    func reserveFirstBuffer() {
        tail.eventLoop.assertInEventLoop()
        guard granted == 0, ahead == 0, ticket == nil, !failed, !abandoned else { return }
        request(min(bufferCapacity, chunkSize - kept))
    }

    /// Takes the next bytes of the file. Full chunks go to the storage thread at once.
    func append(_ bytes: ByteBuffer) {
        tail.eventLoop.assertInEventLoop()
        guard !failed, !abandoned else { return }
        receivedBytes += Int64(bytes.readableBytes)
        fill([bytes], force: false)
    }

    /// Writes what is pending (a partial last chunk too) and completes, on the event loop,
    /// once every write so far is stored; fails with the first storage error.
    func flush() -> EventLoopFuture<Progress> {
        tail.eventLoop.assertInEventLoop()
        if !failed && !abandoned {
            if let ticket {
                // The body has ended: nothing more is to be read, and what is held is in
                // memory already. Store it now rather than wait for a turn.
                budget.cancel(ticket)
                self.ticket = nil
            }
            fill(takeHeld(), force: true)
            if pending.readableBytes > 0 { writePending() }
            // A buffer granted but never filled (the file ended on a chunk's end), and one
            // asked for ahead, go back.
            budget.release(granted + ahead)
            (granted, ahead) = (0, 0)
        }
        updatePause()
        return tail.map { $0.progress }
    }

    /// Stops writing: pending bytes are dropped and later appends ignored. Completes once
    /// the writes already started are over, whatever their outcome.
    func abandon() -> EventLoopFuture<Void> {
        tail.eventLoop.assertInEventLoop()
        abandoned = true
        dropBuffers()
        updatePause()
        return tail.map { _ in }.recover { _ in }
    }

    // MARK: Buffers and the budget

    /// Copies `pieces` into chunk buffers, each taken from the budget first, and asks ahead
    /// for the next buffer's budget when the room left runs low. Bytes that find no granted
    /// buffer are held until one is (`force` takes the budget whatever is free: the body has
    /// ended).
    private func fill(_ pieces: [ByteBuffer], force: Bool) {
        for (index, var bytes) in pieces.enumerated() {
            while bytes.readableBytes > 0 {
                if pending.capacity == 0 {
                    if granted == 0 && ahead > 0 {
                        (granted, ahead) = (ahead, 0)
                    } else if granted == 0 && force {
                        granted = min(bufferCapacity, chunkSize - kept)
                        budget.charge(granted)
                    } else if granted == 0 {
                        if ticket == nil { request(min(bufferCapacity, chunkSize - kept)) }
                        if granted == 0 {
                            hold(bytes)
                            for rest in pieces[(index + 1)...] { hold(rest) }
                            updatePause()
                            return
                        }
                    }
                    pending = ByteBufferAllocator().buffer(capacity: granted)
                }
                let room = chunkSize - kept - pending.readableBytes
                var piece = bytes.readSlice(length: min(room, bytes.readableBytes))!
                pending.writeBuffer(&piece)
                if kept + pending.readableBytes == chunkSize {
                    writePending()
                }
            }
        }
        if !force { reserveAheadIfLow() }
    }

    /// Asks for the next buffer's budget once the room left in this one is low, unless the
    /// rest of the file (when its size is known) fits in it.
    private func reserveAheadIfLow() {
        guard ticket == nil, ahead == 0, !failed, !abandoned else { return }
        let room = granted > 0 ? chunkSize - kept - pending.readableBytes : 0
        guard room < Self.reserveAheadRoom else { return }
        if let expectedBytes, receivedBytes + Int64(room) >= expectedBytes { return }
        request(min(bufferCapacity, granted > 0 ? chunkSize : chunkSize - kept))
    }

    /// Requests `size` bytes of budget: granted at once, or reading pauses until they are.
    private func request(_ size: Int) {
        if let ticket = budget.reserve(size, granted: { [weak self] in self?.budgetGranted(size) }) {
            self.ticket = ticket
        } else {
            accept(size)
        }
        updatePause()
    }

    private func budgetGranted(_ size: Int) {
        ticket = nil
        guard !failed, !abandoned else { return budget.release(size) }
        accept(size)
        fill(takeHeld(), force: false)
        updatePause()
    }

    /// A grant is the current buffer's when there is none, else the next one's.
    private func accept(_ size: Int) {
        if granted == 0 && pending.capacity == 0 {
            granted = size
        } else {
            ahead = size
        }
    }

    private func hold(_ bytes: ByteBuffer) {
        guard bytes.readableBytes > 0 else { return }
        budget.holdWhileWaiting(bytes.readableBytes)
        heldBytes += bytes.readableBytes
        held.append(bytes)
    }

    /// The held bytes, no longer counted as held (their budget is given back: from here on
    /// the chunk buffers they are copied into count instead).
    private func takeHeld() -> [ByteBuffer] {
        let pieces = held
        held = []
        let bytes = heldBytes
        heldBytes = 0
        budget.releaseHeldWhileWaiting(bytes)
        return pieces
    }

    /// Forgets the buffers not handed to the storage thread, and their budget.
    private func dropBuffers() {
        if let ticket {
            budget.cancel(ticket)
            self.ticket = nil
        }
        _ = takeHeld()
        pending = ByteBuffer()
        budget.release(granted + ahead)
        (granted, ahead) = (0, 0)
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
        let chunkGrant = granted
        granted = 0

        chunk.withUnsafeReadableBytes { handedOver.digest.update($0) }
        handedOver.storedBytes += Int64(chunk.readableBytes)
        inFlight += 1
        updatePause()
        let (storage, commit, progress) = (self.storage, commitEachChunk, handedOver)
        tail = tail.assumeIsolated().flatMap { written in
            storage.run { storage in
                var written = written
                written.progress = progress
                try chunk.withUnsafeReadableBytes { bytes in
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
            self.budget.release(chunkGrant)
            self.updatePause()
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
                self.dropBuffers()
                self.updatePause()
                if !self.abandoned { self.onFailure(error) }
            }
        }
    }

    /// Asks the caller to stop reading while the database is behind or no buffer has room
    /// and the budget makes it wait, and to go on once neither holds; a writer that failed or
    /// was abandoned never holds its caller back.
    private func updatePause() {
        let waitingForBuffer = ticket != nil && granted == 0
        let shouldPause = !failed && !abandoned && (inFlight >= Self.maxChunksInFlight || waitingForBuffer)
        guard shouldPause != paused else { return }
        paused = shouldPause
        if shouldPause { onPause() } else { onResume() }
    }
}

@available(*, unavailable)
extension ChunkWriter: Sendable {}
