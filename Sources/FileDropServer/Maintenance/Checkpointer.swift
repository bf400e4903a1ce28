import FileDropStorage
import FileDropSystem
import NIOCore
import NIOPosix

/// The checkpoint thread: a `CheckpointConnection` on a one-thread pool of its own, so that
/// copying a large WAL into the database file (seconds for a GiB) never holds up the
/// storage thread. `CheckpointDriver` decides when a pass runs; one runs at a time.
final class Checkpointer: Sendable {
    /// The connection is confined to the checkpoint thread; this box only carries it there.
    private final class Confined: @unchecked Sendable {
        let connection: CheckpointConnection
        init(_ connection: CheckpointConnection) { self.connection = connection }
    }

    private let pool: NIOThreadPool
    private let confined: Confined
    private let eventLoop: EventLoop

    private init(pool: NIOThreadPool, confined: Confined, eventLoop: EventLoop) {
        self.pool = pool
        self.confined = confined
        self.eventLoop = eventLoop
    }

    /// Starts the thread and opens the connection on it; blocks the calling thread.
    static func open(path: String, eventLoop: EventLoop) throws -> Checkpointer {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        do {
            let confined = try pool.runIfActive(eventLoop: eventLoop) { Confined(try CheckpointConnection(path: path)) }.wait()
            return Checkpointer(pool: pool, confined: confined, eventLoop: eventLoop)
        } catch {
            try? pool.syncShutdownGracefully()
            throw error
        }
    }

    /// One pass: copy what can be copied; when all of it was, truncate a `-wal` file larger
    /// than `CheckpointPolicy.walKeptBytes` (a smaller one is kept for reuse), unless `reuse`
    /// keeps it too.
    func pass(reuse: WALReuse?) -> EventLoopFuture<CheckpointOutcome> {
        let confined = self.confined
        return pool.runIfActive(eventLoop: eventLoop) {
            try confined.connection.checkpoint(keepingWALUpTo: CheckpointPolicy.walKeptBytes, reuse: reuse)
        }
    }

    /// Writes the `-wal` file's data to disk, so that the sync of the next durable commit on
    /// the storage thread finds little left to write.
    func syncWAL(path: String) -> EventLoopFuture<Void> {
        pool.runIfActive(eventLoop: eventLoop) { FileSystem.syncData(of: path) }
    }

    /// The last pass, at shutdown, once the storage connection is closed; then closes this
    /// connection and stops the thread. Blocks the calling thread. Nil when it failed.
    func finish() -> CheckpointOutcome? {
        let confined = self.confined
        let outcome = try? pool.runIfActive(eventLoop: eventLoop) { try confined.connection.checkpoint() }.wait()
        _ = try? pool.runIfActive(eventLoop: eventLoop) { confined.connection.close() }.wait()
        try? pool.syncShutdownGracefully()
        return outcome
    }
}
