import FileDropStorage
import NIOCore

/// A stored file's bytes to send: all of them, or one range.
struct Download: Sendable {
    let record: FileRecord
    let start: Int64
    let length: Int64
}

/// Streams a download chunk by chunk: each chunk is read on the storage thread while the one
/// before it is being written, and the next read starts only once a write has reached the
/// socket. So at most two chunks are in memory per download, whatever the file's size, and a
/// slow reader holds the server back by nothing but its own connection.
///
/// Each chunk read ahead is counted against the server's `MemoryBudget` from before it is
/// read until it has been written: when the budget is spent, the next read waits.
///
/// A chunk shorter than the record says (a damaged database) fails the download with
/// `MissingChunk` rather than trapping; the response has promised more bytes than can come,
/// so its connection must close (the handler does).
///
/// It writes through the two closures it is given (a body part, the end), so it knows
/// nothing of the handler or the pipeline; it lives on the event loop.
final class DownloadWriter {
    struct MissingChunk: Error {
        let fileID: Int64
        let sequence: Int64
    }

    /// The download ended before its last byte; `bytesWritten` went out before that.
    struct CutOff: Error {
        let bytesWritten: Int64
        let underlying: Error
    }

    private let download: Download
    private let storage: any StorageAccess
    private let budget: MemoryBudget
    /// Writes one piece of the body; completes once it reached the socket.
    private let writeBody: (ByteBuffer) -> EventLoopFuture<Void>
    /// Writes the end of the response.
    private let writeEnd: () -> EventLoopFuture<Void>
    private let promise: EventLoopPromise<Int64>
    private var written: Int64 = 0
    private var failed = false

    init(
        download: Download, storage: any StorageAccess, budget: MemoryBudget, eventLoop: EventLoop,
        writeBody: @escaping (ByteBuffer) -> EventLoopFuture<Void>, writeEnd: @escaping () -> EventLoopFuture<Void>
    ) {
        self.download = download
        self.storage = storage
        self.budget = budget
        self.writeBody = writeBody
        self.writeEnd = writeEnd
        self.promise = eventLoop.makePromise()
    }

    /// Sends the body and the end of the response; succeeds with the number of body bytes,
    /// fails with `CutOff`.
    func start() -> EventLoopFuture<Int64> {
        if download.length == 0 {
            writeEnd().assumeIsolated().whenComplete { result in
                switch result {
                case .success: self.promise.succeed(0)
                case .failure(let error): self.fail(error)
                }
            }
        } else {
            let chunkSize = Int64(download.record.chunkSize)
            let first = download.start / chunkSize
            step(sequence: first, pending: read(sequence: first))
        }
        return promise.futureResult
    }

    private var lastSequence: Int64 {
        (download.start + download.length - 1) / Int64(download.record.chunkSize)
    }

    private func fail(_ error: Error) {
        guard !failed else { return }
        failed = true
        promise.fail(CutOff(bytesWritten: written, underlying: error))
    }

    /// A chunk read, with the bytes of budget it holds until written.
    private struct Piece: Sendable {
        let buffer: ByteBuffer
        let reserved: Int
    }

    private func step(sequence: Int64, pending: EventLoopFuture<Piece>) {
        pending.assumeIsolated().whenComplete { result in
            switch result {
            case .failure(let error):
                self.fail(error)
            case .success(let piece):
                guard !self.failed else { return self.budget.release(piece.reserved) }
                let next = sequence < self.lastSequence ? self.read(sequence: sequence + 1) : nil
                self.writeBody(piece.buffer).assumeIsolated().whenComplete { writeResult in
                    self.budget.release(piece.reserved)
                    switch writeResult {
                    case .failure(let error):
                        self.fail(error)
                        // The chunk read ahead is not written: give its budget back once read.
                        next?.assumeIsolated().whenSuccess { self.budget.release($0.reserved) }
                    case .success:
                        self.written += Int64(piece.buffer.readableBytes)
                        if let next {
                            self.step(sequence: sequence + 1, pending: next)
                        } else {
                            self.finish()
                        }
                    }
                }
            }
        }
    }

    private func finish() {
        writeEnd().assumeIsolated().whenComplete { result in
            switch result {
            case .success: self.promise.succeed(self.written)
            case .failure(let error): self.fail(error)
            }
        }
    }

    /// Reads the part of chunk `sequence` that lies inside the download's range, once the
    /// budget has room for it.
    private func read(sequence: Int64) -> EventLoopFuture<Piece> {
        let fileID = download.record.id
        let chunkSize = Int64(download.record.chunkSize)
        let chunkStart = sequence * chunkSize
        let from = Int(max(download.start, chunkStart) - chunkStart)
        let to = Int(min(download.start + download.length, chunkStart + chunkSize) - chunkStart)
        let (storage, budget, reserved) = (self.storage, self.budget, to - from)
        return budget.reserve(reserved).assumeIsolated().flatMap { () -> EventLoopFuture<ByteBuffer> in
            storage.run { storage -> ByteBuffer in
                let buffer = try storage.files.withChunk(fileID: fileID, sequence: sequence) { bytes in
                    // Clamped: a row shorter than the record promises gives a short buffer
                    // (refused below), never a range outside the row.
                    let end = min(to, bytes.count)
                    return ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: bytes[min(from, end)..<end]))
                }
                guard let buffer, buffer.readableBytes == to - from else {
                    throw MissingChunk(fileID: fileID, sequence: sequence)
                }
                return buffer
            }
        }.flatMapErrorThrowing { error -> ByteBuffer in
            budget.release(reserved)
            throw error
        }.map { Piece(buffer: $0, reserved: reserved) }.nonisolated()
    }
}

@available(*, unavailable)
extension DownloadWriter: Sendable {}
