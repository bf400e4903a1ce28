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
/// It writes through the two closures it is given (a body part, the end), so it knows
/// nothing of the handler or the pipeline; it lives on the event loop.
final class DownloadWriter {
    struct MissingChunk: Error {
        let fileID: Int64
        let sequence: Int64
    }

    private let download: Download
    private let storage: any StorageAccess
    /// Writes one piece of the body; completes once it reached the socket.
    private let writeBody: (ByteBuffer) -> EventLoopFuture<Void>
    /// Writes the end of the response.
    private let writeEnd: () -> EventLoopFuture<Void>
    private let promise: EventLoopPromise<Int64>
    private var written: Int64 = 0

    init(
        download: Download, storage: any StorageAccess, eventLoop: EventLoop,
        writeBody: @escaping (ByteBuffer) -> EventLoopFuture<Void>, writeEnd: @escaping () -> EventLoopFuture<Void>
    ) {
        self.download = download
        self.storage = storage
        self.writeBody = writeBody
        self.writeEnd = writeEnd
        self.promise = eventLoop.makePromise()
    }

    /// Sends the body and the end of the response; succeeds with the number of body bytes.
    func start() -> EventLoopFuture<Int64> {
        if download.length == 0 {
            writeEnd().map { 0 }.cascade(to: promise)
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

    private func step(sequence: Int64, pending: EventLoopFuture<ByteBuffer>) {
        pending.assumeIsolated().whenComplete { result in
            switch result {
            case .failure(let error):
                self.promise.fail(error)
            case .success(let buffer):
                let next = sequence < self.lastSequence ? self.read(sequence: sequence + 1) : nil
                self.writeBody(buffer).assumeIsolated().whenComplete { writeResult in
                    switch writeResult {
                    case .failure(let error):
                        self.promise.fail(error)
                    case .success:
                        self.written += Int64(buffer.readableBytes)
                        if let next {
                            self.step(sequence: sequence + 1, pending: next)
                        } else {
                            let total = self.written
                            self.writeEnd().map { total }.cascade(to: self.promise)
                        }
                    }
                }
            }
        }
    }

    /// Reads the part of chunk `sequence` that lies inside the download's range.
    private func read(sequence: Int64) -> EventLoopFuture<ByteBuffer> {
        let fileID = download.record.id
        let chunkSize = Int64(download.record.chunkSize)
        let chunkStart = sequence * chunkSize
        let from = Int(max(download.start, chunkStart) - chunkStart)
        let to = Int(min(download.start + download.length, chunkStart + chunkSize) - chunkStart)
        return storage.run { storage -> ByteBuffer in
            let buffer = try storage.files.withChunk(fileID: fileID, sequence: sequence) { bytes in
                ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: bytes[from..<min(to, bytes.count)]))
            }
            guard let buffer, buffer.readableBytes == to - from else {
                throw MissingChunk(fileID: fileID, sequence: sequence)
            }
            return buffer
        }
    }
}

@available(*, unavailable)
extension DownloadWriter: Sendable {}
