import FileDropStorage
import NIOCore
import NIOPosix

/// Runs database work on the one thread that owns the database.
///
/// `Storage` is not thread-safe; every use of it goes through `run`, whose closures execute
/// one after another on a one-thread `NIOThreadPool`, never on the event loop. Results are
/// delivered on `eventLoop`, the server's one loop. Each job's duration, and whether it
/// wrote, go to `statistics`.
final class StorageExecutor: StorageAccess, Sendable {
    /// Storage is confined to the one storage thread; this box only carries it there.
    private final class Confined: @unchecked Sendable {
        let storage: Storage
        init(_ storage: Storage) { self.storage = storage }
    }

    let statistics = StorageStatistics()
    private let pool: NIOThreadPool
    private let confined: Confined
    private let eventLoop: EventLoop

    private init(pool: NIOThreadPool, confined: Confined, eventLoop: EventLoop) {
        self.pool = pool
        self.confined = confined
        self.eventLoop = eventLoop
    }

    /// Starts the storage thread and opens the database on it; blocks the calling thread
    /// (never an event loop) until it is open.
    static func open(
        path: String, minimumFreeBytes: Int64 = 0, checkpointOnClose: Bool = true, eventLoop: EventLoop
    ) throws -> StorageExecutor {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        do {
            let confined = try pool.runIfActive(eventLoop: eventLoop) {
                Confined(
                    try Storage(
                        path: path, minimumFreeBytes: minimumFreeBytes, emergencyReserve: Storage.emergencyReserveBytes,
                        checkpointOnClose: checkpointOnClose
                    )
                )
            }.wait()
            return StorageExecutor(pool: pool, confined: confined, eventLoop: eventLoop)
        } catch {
            try? pool.syncShutdownGracefully()
            throw error
        }
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (Storage) throws -> T) -> EventLoopFuture<T> {
        let (confined, statistics) = (self.confined, self.statistics)
        return pool.runIfActive(eventLoop: eventLoop) {
            let storage = confined.storage
            let commitsBefore = storage.commitCounter
            let started = NIODeadline.now()
            defer {
                let ended = NIODeadline.now()
                let seconds = Double((ended - started).nanoseconds) / 1e9
                statistics.record(
                    seconds: seconds, wrote: storage.commitCounter != commitsBefore, outOfRoom: storage.files.isOutOfRoom,
                    walContentBytes: storage.walContentBytes, walUncopiedBytes: storage.walUncopiedBytes, endedAt: ended
                )
            }
            return try body(storage)
        }
    }

    /// Closes the database, then stops the thread. Blocks the calling thread.
    func close() {
        _ = try? run { $0.close() }.wait()
        try? pool.syncShutdownGracefully()
    }
}
