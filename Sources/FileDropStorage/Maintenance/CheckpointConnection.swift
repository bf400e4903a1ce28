import FileDropSystem

/// A second connection to the database whose only job is checkpointing: copying the WAL's
/// pages into the database file and truncating the `-wal` file, on a thread of its own.
///
/// A checkpoint of a large WAL takes seconds (the copy and a sync of the database file); on
/// the storage thread it would hold up every request for that long. From this connection
/// a PASSIVE checkpoint takes no lock that blocks the storage thread's readers or writers,
/// and the TRUNCATE that follows a complete copy only needs the write lock for a moment.
/// Every checkpoint here is `Database.checkpoint`'s never-waiting kind: when another process
/// holds a lock (a reader in the WAL), the pass stops and reports `busy`; the caller tries
/// again later. Used on one thread only, like `Database`.
public final class CheckpointConnection {
    private let database: Database

    /// Opens the existing database at `path` (the storage connection created it).
    public init(path: String) throws {
        database = try Database(path: path, busyTimeoutMilliseconds: 0)
    }

    /// Copies everything it can without waiting, then, when the WAL is all in the database
    /// file, truncates the `-wal` file to zero bytes.
    ///
    /// The TRUNCATE holds the write lock while it copies what it finds and syncs the database
    /// file, so it only runs when a second PASSIVE finds nothing new since the first: then
    /// it has nothing to copy or sync and holds the lock only to cut the file. Writers that
    /// keep the WAL growing just postpone the truncation to a quieter moment.
    public func checkpoint() throws -> CheckpointOutcome {
        let copied = try database.checkpoint(.passive)
        guard copied.isComplete, !copied.busy else { return CheckpointOutcome(copy: copied, truncated: false) }
        let again = try database.checkpoint(.passive)
        guard again.isComplete, !again.busy, again.walFrames == copied.walFrames else {
            return CheckpointOutcome(copy: again, truncated: false)
        }
        let truncated = try database.checkpoint(.truncate)
        return CheckpointOutcome(copy: again, truncated: !truncated.busy)
    }

    /// The size of the `-wal` file in bytes.
    public var walFileSize: Int64 { FileSystem.size(of: database.path + "-wal") }

    public func close() {
        database.close()
    }
}

/// What one checkpoint pass did.
public struct CheckpointOutcome: Sendable, Equatable {
    /// The copy: frames in the WAL, frames now in the database file, and whether a lock
    /// held elsewhere stopped it early.
    public var copy: Database.CheckpointResult
    /// The `-wal` file was truncated to zero bytes.
    public var truncated: Bool

    public init(copy: Database.CheckpointResult, truncated: Bool) {
        self.copy = copy
        self.truncated = truncated
    }
}

@available(*, unavailable)
extension CheckpointConnection: Sendable {}
