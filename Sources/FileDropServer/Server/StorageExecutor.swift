import FileDropStorage
import NIOCore
import NIOPosix

/// Runs database work on the one thread that owns the database.
///
/// `Storage` is not thread-safe; every use of it goes through `run`, whose closures execute
/// one after another on a one-thread `NIOThreadPool`, never on the event loop.
final class StorageExecutor: @unchecked Sendable {
    private let pool: NIOThreadPool
    /// Touched only on `pool`'s thread.
    private let storage: Storage

    private init(pool: NIOThreadPool, storage: Storage) {
        self.pool = pool
        self.storage = storage
    }

    /// Starts the storage thread and opens the database on it; blocks the calling thread
    /// (never an event loop) until it is open.
    static func open(path: String, eventLoop: EventLoop) throws -> StorageExecutor {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        do {
            let storage = try pool.runIfActive(eventLoop: eventLoop) { try Storage(path: path) }.wait()
            return StorageExecutor(pool: pool, storage: storage)
        } catch {
            try? pool.syncShutdownGracefully()
            throw error
        }
    }

    func run<T>(on eventLoop: EventLoop, _ body: @escaping (Storage) throws -> T) -> EventLoopFuture<T> {
        let storage = self.storage
        return pool.runIfActive(eventLoop: eventLoop) { try body(storage) }
    }

    /// Checkpoints and closes the database, then stops the thread. Blocks the calling thread.
    func close(eventLoop: EventLoop) {
        _ = try? run(on: eventLoop) { $0.close() }.wait()
        try? pool.syncShutdownGracefully()
    }
}

/// Runs password hashing off the event loop, on a small fixed pool of threads that run at
/// a lower scheduling priority, so that logins never delay other requests.
final class HashingPool: @unchecked Sendable {
    private let pool: NIOThreadPool

    init(threads: Int) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    func run<T>(on eventLoop: EventLoop, _ body: @escaping () throws -> T) -> EventLoopFuture<T> {
        pool.runIfActive(eventLoop: eventLoop) {
            ThreadPriority.lowerCurrentThread()
            return try body()
        }
    }

    func shutdown() {
        try? pool.syncShutdownGracefully()
    }
}
