import FileDropAuth
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import FileDropServer
@testable import FileDropStorage

#if canImport(Glibc)
import Glibc
#endif

/// The chunk writer on its own: alignment of chunk rows to file offsets, resuming inside a
/// partial chunk, the digest, backpressure and failures. Storage is a real SQLite file; a
/// queued `StorageAccess` lets a test decide when each write completes.
@Suite struct ChunkWriterTests {
    /// A real database in a fresh folder.
    final class Database {
        let folder: String
        let storage: Storage

        init() throws {
            var template = Array("/tmp/filedrop-chunks-XXXXXX".utf8CString)
            folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
            storage = try Storage(path: folder + "/app.db")
        }

        deinit {
            storage.close()
            for suffix in ["", "-wal", "-shm"] { unlink(folder + "/app.db" + suffix) }
            rmdir(folder)
        }

        func newFile(chunkSize: Int) throws -> Int64 {
            try storage.files.beginUpload(filename: "f", contentType: "t", uploadedBy: "ann", chunkSize: chunkSize, now: 1)
        }

        /// The chunk rows of a file, in order.
        func rows(_ fileID: Int64) throws -> [[UInt8]] {
            var rows: [[UInt8]] = []
            var sequence: Int64 = 0
            while let row = try storage.files.withChunk(fileID: fileID, sequence: sequence, { Array($0) }) {
                rows.append(row)
                sequence += 1
            }
            return rows
        }
    }

    /// Runs storage work only when the test says so, in order.
    final class QueuedStorageAccess: StorageAccess {
        private let storage: Storage
        private let eventLoop: EventLoop
        private var queue: [() -> Void] = []
        var failNext = false

        init(storage: Storage, eventLoop: EventLoop) {
            self.storage = storage
            self.eventLoop = eventLoop
        }

        var waiting: Int { queue.count }

        func run<T: Sendable>(_ body: @escaping @Sendable (Storage) throws -> T) -> EventLoopFuture<T> {
            let promise = eventLoop.makePromise(of: T.self)
            queue.append { [storage] in
                if self.failNext {
                    promise.fail(DatabaseError(code: 13, message: "database or disk is full"))
                } else {
                    promise.completeWith(Result { try body(storage) })
                }
            }
            return promise.futureResult
        }

        /// Runs the oldest waiting step.
        func runOne() {
            queue.removeFirst()()
        }

        /// Runs steps until none is waiting (completing one may start the next).
        func runAll() {
            while !queue.isEmpty { runOne() }
        }
    }

    /// A budget far larger than anything these tests hold.
    private static func budget(_ loop: EventLoop) -> MemoryBudget {
        MemoryBudget(capacity: 1 << 20, eventLoop: loop)
    }

    private static func bytes(_ count: Int, seed: Int = 0) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed) }
    }

    @Test func chunkRowsAreAlignedToFileOffsetsWhateverThePieces() throws {
        let database = try Database()
        let loop = EmbeddedEventLoop()
        let id = try database.newFile(chunkSize: 4)
        let writer = ChunkWriter(
            storage: InlineStorageAccess(storage: database.storage, eventLoop: loop), budget: Self.budget(loop),
            fileID: loop.makeSucceededFuture(id), chunkSize: 4
        )
        let content = Self.bytes(10)
        for start in stride(from: 0, to: 10, by: 3) {
            writer.append(ByteBuffer(bytes: content[start..<min(start + 3, 10)]))
        }
        #expect(writer.receivedBytes == 10)
        #expect(writer.storedBytes == 8)
        var progress = try writer.flush().wait()
        #expect(progress.storedBytes == 10)
        #expect(writer.storedBytes == 10)
        #expect(progress.digest.finalize() == Crypto.sha256(content))
        #expect(try database.rows(id) == [Array(content[0..<4]), Array(content[4..<8]), Array(content[8..<10])])
    }

    @Test(arguments: [0, 1, 3, 4, 5])
    func aResumedFileCompletesItsPartialChunkInPlace(resumeAt offset: Int) throws {
        let database = try Database()
        let loop = EmbeddedEventLoop()
        let storage = InlineStorageAccess(storage: database.storage, eventLoop: loop)
        let id = try database.newFile(chunkSize: 4)
        let content = Self.bytes(11, seed: 7)
        // The first request stores `offset` bytes and ends (a partial last chunk stays).
        let first = ChunkWriter(storage: storage, budget: Self.budget(loop), fileID: loop.makeSucceededFuture(id), chunkSize: 4)
        first.append(ByteBuffer(bytes: content[..<offset]))
        let stored = try first.flush().wait()
        // The next one starts from what was stored: its offset and digest.
        let second = ChunkWriter(
            storage: storage, budget: Self.budget(loop), fileID: loop.makeSucceededFuture(id), start: stored, chunkSize: 4)
        #expect(second.storedBytes == Int64(offset))
        second.append(ByteBuffer(bytes: content[offset...]))
        var progress = try second.flush().wait()
        #expect(progress.storedBytes == 11)
        #expect(progress.digest.finalize() == Crypto.sha256(content))
        // The same rows as one request would have written: no small extra rows.
        #expect(try database.rows(id) == [Array(content[0..<4]), Array(content[4..<8]), Array(content[8..<11])])
    }

    @Test func readingPausesWhileTwoChunksWaitAndResumesAfter() throws {
        let database = try Database()
        let loop = EmbeddedEventLoop()
        let storage = QueuedStorageAccess(storage: database.storage, eventLoop: loop)
        let id = try database.newFile(chunkSize: 4)
        let writer = ChunkWriter(storage: storage, budget: Self.budget(loop), fileID: loop.makeSucceededFuture(id), chunkSize: 4)
        var events: [String] = []
        writer.onPause = { events.append("pause") }
        writer.onResume = { events.append("resume") }
        writer.append(ByteBuffer(bytes: Self.bytes(4)))
        #expect(events.isEmpty)
        writer.append(ByteBuffer(bytes: Self.bytes(5)))
        #expect(events == ["pause"])
        #expect(storage.waiting == 1)  // writes run one after another
        storage.runOne()
        #expect(events == ["pause", "resume"])
        storage.runAll()
        #expect(writer.storedBytes == 8)
        #expect(try database.rows(id).count == 2)
    }

    @Test func aStorageFailureIsReportedOnceAndLaterWritesAreSkipped() throws {
        let database = try Database()
        let loop = EmbeddedEventLoop()
        let storage = QueuedStorageAccess(storage: database.storage, eventLoop: loop)
        let id = try database.newFile(chunkSize: 4)
        let writer = ChunkWriter(storage: storage, budget: Self.budget(loop), fileID: loop.makeSucceededFuture(id), chunkSize: 4)
        var failures: [Error] = []
        writer.onFailure = { failures.append($0) }
        writer.append(ByteBuffer(bytes: Self.bytes(12)))
        storage.failNext = true
        storage.runAll()
        writer.append(ByteBuffer(bytes: Self.bytes(4)))
        storage.runAll()
        #expect(failures.count == 1)
        #expect((failures.first as? DatabaseError)?.code == 13)
        #expect(throws: DatabaseError.self) { try writer.flush().wait() }
        #expect(try database.rows(id).isEmpty)
    }

    @Test func theChunkCommitHookRunsWithEachRowInOneTransaction() throws {
        let database = try Database()
        let loop = EmbeddedEventLoop()
        let id = try database.newFile(chunkSize: 4)
        let seen = Mutex<[Int64]>([])
        let writer = ChunkWriter(
            storage: InlineStorageAccess(storage: database.storage, eventLoop: loop), budget: Self.budget(loop),
            fileID: loop.makeSucceededFuture(id),
            chunkSize: 4,
            commitEachChunk: { storage, fileID, progress in
                // Inside the transaction: the row just written is visible.
                let row = try storage.files.withChunk(fileID: fileID, sequence: (progress.storedBytes - 1) / 4) { Array($0) }
                seen.withLock { $0.append(row == nil ? -1 : progress.storedBytes) }
            }
        )
        writer.append(ByteBuffer(bytes: Self.bytes(9)))
        _ = try writer.flush().wait()
        #expect(seen.withLock { $0 } == [4, 8, 9])
    }

    @Test func aFailingChunkCommitRollsItsRowBack() throws {
        struct Refused: Error {}
        let database = try Database()
        let loop = EmbeddedEventLoop()
        let id = try database.newFile(chunkSize: 4)
        let writer = ChunkWriter(
            storage: InlineStorageAccess(storage: database.storage, eventLoop: loop), budget: Self.budget(loop),
            fileID: loop.makeSucceededFuture(id),
            chunkSize: 4,
            commitEachChunk: { _, _, progress in
                if progress.storedBytes > 4 { throw Refused() }
            }
        )
        writer.append(ByteBuffer(bytes: Self.bytes(8)))
        #expect(throws: Refused.self) { try writer.flush().wait() }
        #expect(try database.rows(id).count == 1)
    }

    @Test func abandoningDropsPendingBytesAndResumesReading() throws {
        let database = try Database()
        let loop = EmbeddedEventLoop()
        let storage = QueuedStorageAccess(storage: database.storage, eventLoop: loop)
        let id = try database.newFile(chunkSize: 4)
        let writer = ChunkWriter(storage: storage, budget: Self.budget(loop), fileID: loop.makeSucceededFuture(id), chunkSize: 4)
        var resumed = false
        writer.onResume = { resumed = true }
        writer.append(ByteBuffer(bytes: Self.bytes(10)))
        let done = writer.abandon()
        #expect(resumed)
        writer.append(ByteBuffer(bytes: Self.bytes(4)))
        storage.runAll()
        try done.wait()
        #expect(try database.rows(id).count == 2)  // the two chunks already started, no more
    }

    @Test func aWriterWaitsForItsBufferWithoutReadingAndGoesOnWhenItsTurnComes() throws {
        let database = try Database()
        let loop = EmbeddedEventLoop()
        let storage = QueuedStorageAccess(storage: database.storage, eventLoop: loop)
        let budget = MemoryBudget(capacity: 4, eventLoop: loop)
        let (first, second) = (try database.newFile(chunkSize: 4), try database.newFile(chunkSize: 4))
        let a = ChunkWriter(storage: storage, budget: budget, fileID: loop.makeSucceededFuture(first), chunkSize: 4)
        let b = ChunkWriter(storage: storage, budget: budget, fileID: loop.makeSucceededFuture(second), chunkSize: 4)
        var events: [String] = []
        b.onPause = { events.append("b pauses") }
        b.onResume = { events.append("b resumes") }
        a.reserveFirstBuffer()
        b.reserveFirstBuffer()
        #expect(events == ["b pauses"])  // before reading a byte: it holds nothing
        a.append(ByteBuffer(bytes: Self.bytes(4)))  // a's buffer is full and goes to the database
        storage.runAll()
        #expect(events == ["b pauses", "b resumes"])
        b.append(ByteBuffer(bytes: Self.bytes(3)))
        _ = a.flush()
        _ = b.flush()
        storage.runAll()
        #expect(try database.rows(first).count == 1 && database.rows(second).count == 1)
        #expect(budget.used == 0)
    }

    @Test func writersHoldingBuffersWithRoomNeverWaitForEachOther() throws {
        // Two writers, room for exactly their two buffers: each asks ahead for a second
        // buffer that cannot come, and reads on all the same until its own buffer is full.
        let database = try Database()
        let loop = EmbeddedEventLoop()
        let storage = QueuedStorageAccess(storage: database.storage, eventLoop: loop)
        let budget = MemoryBudget(capacity: 2 << 20, eventLoop: loop)
        let files = [try database.newFile(chunkSize: 1 << 20), try database.newFile(chunkSize: 1 << 20)]
        let writers = files.map { ChunkWriter(storage: storage, budget: budget, fileID: loop.makeSucceededFuture($0)) }
        var paused = [false, false]
        for (index, writer) in writers.enumerated() {
            writer.onPause = { paused[index] = true }
            writer.onResume = { paused[index] = false }
            writer.reserveFirstBuffer()
        }
        for writer in writers { writer.append(ByteBuffer(bytes: Self.bytes(900 * 1024))) }
        #expect(budget.waitingCount == 2)  // both asked ahead...
        #expect(paused == [false, false])  // ...and read on: their budget comes back only when they fill
        // Full, then some: the full buffers go to the database, the rest waits for their budget.
        for writer in writers { writer.append(ByteBuffer(bytes: Self.bytes(200 * 1024))) }
        #expect(paused == [true, true])
        storage.runAll()
        // The first in line has its next buffer; the other waits for room, which the first
        // gives back once its body ends (or its buffer fills): nobody waits for ever.
        #expect(paused == [false, true])
        _ = writers[0].flush()
        storage.runAll()
        #expect(paused == [false, false])
        _ = writers[1].flush()
        storage.runAll()
        #expect(try files.map { try database.rows($0).count } == [2, 2])
        #expect(budget.used == 0)
    }

    @Test(arguments: [0, 3, 4, 8, 9])
    func everyByteOfBudgetComesBackAfterTheEnd(size: Int) throws {
        let database = try Database()
        let loop = EmbeddedEventLoop()
        let budget = MemoryBudget(capacity: 8, eventLoop: loop)
        let id = try database.newFile(chunkSize: 4)
        let writer = ChunkWriter(
            storage: InlineStorageAccess(storage: database.storage, eventLoop: loop), budget: budget,
            fileID: loop.makeSucceededFuture(id), chunkSize: 4
        )
        writer.reserveFirstBuffer()
        writer.append(ByteBuffer(bytes: Self.bytes(size)))
        _ = try writer.flush().wait()
        #expect(budget.used == 0)
        #expect(try database.rows(id).map(\.count).reduce(0, +) == size)
    }
}
