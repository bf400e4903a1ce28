import FileDropSystem

/// A second connection to the database whose only job is checkpointing: copying the WAL's
/// pages into the database file and truncating a large `-wal` file, on a thread of its own.
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
    /// file, truncates the `-wal` file to zero bytes if it is larger than `keep` bytes.
    ///
    /// A `-wal` file of at most `keep` bytes stays: once all of it is in the database file,
    /// SQLite's next commit starts it over from its beginning, and overwriting blocks the
    /// file already has is cheaper to sync than growing it (the file system then also writes
    /// the new size and allocates blocks: measured here, 64 KiB written and synced in 0.12 ms
    /// over existing blocks against 0.25-0.29 ms appended; 700 KB, 0.38 against 0.71 ms).
    ///
    /// The TRUNCATE holds the write lock while it copies what it finds and syncs the database
    /// file, so it only runs when a second PASSIVE finds nothing new since the first: then
    /// it has nothing to copy or sync and holds the lock only to cut the file. Writers that
    /// keep the WAL growing just postpone the truncation to a quieter moment.
    ///
    /// With `reuse`, a larger file stays too while `reuse` allows it (`WALReuse`).
    public func checkpoint(keepingWALUpTo keep: Int64 = 0, reuse: WALReuse? = nil) throws -> CheckpointOutcome {
        var outcome = try copy(keepingWALUpTo: keep, reuse: reuse)
        outcome.walUncopiedBytes = database.walUncopiedBytes ?? 0
        return outcome
    }

    private func copy(keepingWALUpTo keep: Int64, reuse: WALReuse?) throws -> CheckpointOutcome {
        let copied = try database.checkpoint(.passive)
        guard copied.isComplete, !copied.busy else { return CheckpointOutcome(copy: copied) }
        let again = try database.checkpoint(.passive)
        guard again.isComplete, !again.busy, again.walFrames == copied.walFrames else {
            return CheckpointOutcome(copy: again)
        }
        let size = walFileSize
        if size <= keep || reuse?.allows(walPath: walPath, size: size) == true {
            return CheckpointOutcome(copy: again, complete: true)
        }
        let truncated = try database.checkpoint(.truncate)
        return CheckpointOutcome(copy: again, complete: !truncated.busy, truncated: !truncated.busy)
    }

    /// The size of the `-wal` file in bytes.
    public var walFileSize: Int64 { FileSystem.size(of: walPath) }

    private var walPath: String { database.path + "-wal" }

    public func close() {
        database.close()
    }
}

/// When a `-wal` file larger than the small one always kept is kept too, for the next commits
/// to overwrite: a large upload written into it then costs the file system a copy into pages
/// it already holds, not new pages and blocks for every byte (measured on this VM: 1 GiB in
/// SQLite's frames, 0.45 s of system time over a cached file against 0.87-0.98 s appended).
///
/// Only while that is true and cheap: the file is at most `upTo` bytes, nearly all of it is in
/// memory (overwriting pages the kernel evicted makes it read each one from disk first,
/// as a frame does not cover whole pages: 9 s for the same GiB), and the disk keeps room
/// beyond `minFreeBytes` for the database file to grow by twice its size.
public struct WALReuse: Sendable, Equatable {
    public var upTo: Int64
    public var minFreeBytes: Int64
    /// The share of the file that must be in memory.
    public static let residentAtLeast = 0.9

    public init(upTo: Int64, minFreeBytes: Int64) {
        self.upTo = upTo
        self.minFreeBytes = minFreeBytes
    }

    func allows(walPath: String, size: Int64) -> Bool {
        guard size <= upTo, let free = try? FileSystem.availableBytes(at: walPath),
            free - 2 * size >= minFreeBytes
        else { return false }
        return FileSystem.residentFraction(of: walPath) >= Self.residentAtLeast
    }
}

/// What one checkpoint pass did.
public struct CheckpointOutcome: Sendable, Equatable {
    /// The copy: frames in the WAL, frames now in the database file, and whether a lock
    /// held elsewhere stopped it early.
    public var copy: Database.CheckpointResult
    /// Everything in the WAL is in the database file (nothing was written meanwhile): the
    /// `-wal` file was truncated, or kept for the next commits to overwrite.
    public var complete: Bool
    /// The `-wal` file was truncated to zero bytes.
    public var truncated: Bool
    /// Bytes of frames the WAL still holds not copied, just after the pass
    /// (`Database.walUncopiedBytes`).
    public var walUncopiedBytes: Int64 = 0

    public init(copy: Database.CheckpointResult, complete: Bool = false, truncated: Bool = false) {
        self.copy = copy
        self.complete = complete || truncated
        self.truncated = truncated
    }
}

@available(*, unavailable)
extension CheckpointConnection: Sendable {}
