import NIOCore

/// The bytes of a small upload's file, kept in memory until the body ends, so that the file
/// is stored in one transaction and one storage step (`FileStore.storeSmallUpload`) rather
/// than the three of the streamed path (`ChunkWriter`).
///
/// An upload is small when its request declares a body of at most one chunk (1 MiB): the file
/// (at most the body) is then one chunk row, as the streamed path would have written it, and
/// the buffer is what `ChunkWriter` would have reserved for its first chunk anyway (it sizes
/// that buffer to the declared length), so the memory an upload holds does not change.
///
/// The buffer is counted against the `MemoryBudget` as a chunk buffer is: its share (the
/// declared length) is asked for before any body byte is read, reading pauses until it is
/// granted, and bytes read meanwhile are counted as held while waiting. The share goes back
/// with `release()`, once the file is committed or the upload failed.
final class SmallFileBuffer {
    /// The largest declared body handled here.
    static let largestBody = ChunkWriter.chunkSize

    var onPause: () -> Void = {}
    var onResume: () -> Void = {}

    private let budget: MemoryBudget
    /// The budget asked for: the declared body length, which bounds the file.
    private let share: Int
    private var bytes: ByteBuffer
    private var ticket: MemoryBudget.Ticket?
    private var granted = false
    /// Bytes read while the share was not granted, counted as held while waiting.
    private var heldBytes = 0
    private var released = false

    /// A buffer for a body of `declaredBodyLength` bytes, or nil when that is unknown or
    /// larger than `largestBody` (the streamed path takes it).
    init?(budget: MemoryBudget, declaredBodyLength: Int?) {
        guard let declaredBodyLength, declaredBodyLength <= Self.largestBody else { return nil }
        self.budget = budget
        self.share = max(1, declaredBodyLength)
        self.bytes = ByteBufferAllocator().buffer(capacity: 0)
    }

    /// The file's bytes so far.
    var count: Int { bytes.readableBytes }

    /// Asks for the buffer's share before the body is read; reading pauses until it is granted.
    func reserve() {
        guard ticket == nil, !granted, !released else { return }
        if let ticket = budget.reserve(share, granted: { [weak self] in self?.shareGranted() }) {
            self.ticket = ticket
            onPause()
        } else {
            granted = true
        }
    }

    /// Keeps the next bytes of the file (never more than the declared body).
    func append(_ piece: ByteBuffer) {
        guard !released else { return }
        if bytes.capacity == 0 { bytes.reserveCapacity(share) }
        bytes.writeImmutableBuffer(piece)
        if !granted {
            budget.holdWhileWaiting(piece.readableBytes)
            heldBytes += piece.readableBytes
        }
    }

    /// The whole file, once the body ended. A share still not granted is taken whatever is
    /// free: the bytes are in memory already and nothing more is read.
    func take() -> ByteBuffer {
        if let ticket, !released {
            budget.cancel(ticket)
            self.ticket = nil
            budget.charge(share)
            granted = true
            releaseHeld()
            onResume()
        }
        return bytes
    }

    /// Gives the buffer and its share back (after the commit, or when the upload failed).
    func release() {
        guard !released else { return }
        released = true
        if let ticket {
            budget.cancel(ticket)
            self.ticket = nil
        }
        releaseHeld()
        if granted { budget.release(share) }
        bytes = ByteBuffer()
    }

    private func shareGranted() {
        ticket = nil
        guard !released else { return budget.release(share) }
        granted = true
        releaseHeld()
        onResume()
    }

    private func releaseHeld() {
        let held = heldBytes
        heldBytes = 0
        budget.releaseHeldWhileWaiting(held)
    }
}

@available(*, unavailable)
extension SmallFileBuffer: Sendable {}
