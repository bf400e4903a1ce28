import FileDropSystem

/// How much one reclaim step may do. Both bounds keep a step short on the one storage
/// thread, so that requests queued behind it wait a few milliseconds, not seconds.
public struct ReclaimLimits: Sendable, Equatable {
    /// Chunk rows (1 MiB each) freed per step.
    public var chunksPerStep: Int
    /// Bytes of pages given back to the file system per step (whole pages, at least one).
    /// Each may move a page from the end of the file into a hole, so this also bounds what a
    /// step writes to the WAL whatever the database's page size.
    public var vacuumBytesPerStep: Int64

    public init(chunksPerStep: Int, vacuumBytesPerStep: Int64) {
        self.chunksPerStep = max(1, chunksPerStep)
        self.vacuumBytesPerStep = max(1, vacuumBytesPerStep)
    }
}

/// What a reclaim step did.
public enum ReclaimProgress: Sendable, Equatable {
    /// Nothing was left to free or give back.
    case finished
    /// Freed chunk rows of deleted or aborted files.
    case freedChunks
    /// Gave pages back to the file system.
    case vacuumed(pages: Int64)
}

extension Storage {
    /// One bounded step of giving deleted files' space back, in two stages: first the chunk
    /// rows of deleted or aborted files are freed (their pages go to SQLite's free list),
    /// then the free pages are given back to the file system by an incremental vacuum, which
    /// moves the pages after them into the holes so that the file can shrink.
    public func reclaimStep(_ limits: ReclaimLimits) throws -> ReclaimProgress {
        // On a full disk every write here (freeing chunk rows, moving pages) goes to the `-wal`
        // file, which no checkpoint may empty meanwhile, into the room that deletes need
        // (`EmergencyReserve`): deletes only mark rows then, and their space comes back once
        // the reserve is made again.
        guard !files.isOutOfRoom else { return .finished }
        if try files.purgeRemovedStep(maxChunks: limits.chunksPerStep) {
            return .freedChunks
        }
        guard try database.freePageCount() > 0 else { return .finished }
        let pages = try database.incrementalVacuum(pages: Int(max(1, limits.vacuumBytesPerStep / database.pageBytes)))
        return pages > 0 ? .vacuumed(pages: pages) : .finished
    }

    /// Whether the reclaim may wait while an upload streams in: the file system has room
    /// beyond `minimumFreeBytes` for twice what the reclaim would give back (the deleted
    /// files' chunks still stored, and the free pages). An upload written meanwhile grows the
    /// database instead of reusing that space, so with less room the reclaim goes on.
    public func mayPostponeReclaim() throws -> Bool {
        let query = try database.statement(
            """
            SELECT coalesce(sum(f.chunk_size * (SELECT count(*) FROM chunks AS c WHERE c.file_id = f.id)), 0)
            FROM files AS f WHERE f.complete = -1
            """
        )
        let chunkBytes = try query.step() ? query.int64(at: 0) : 0
        query.reset()
        let waiting = chunkBytes + (try database.freePageCount()) * database.pageBytes
        guard waiting > 0 else { return false }  // nothing to give back: the step says so
        return try files.availableBytes() - files.minimumFreeBytes >= 2 * waiting
    }

    /// A checkpoint on the storage connection itself, never waiting (see
    /// `CheckpointConnection.checkpoint`): for when the WAL has grown past what the
    /// background checkpoints keep up with, so that writers wait while it runs.
    public func checkpointNow() throws -> CheckpointOutcome {
        let copied = try database.checkpoint(.passive)
        var truncated = false
        if copied.isComplete, !copied.busy { truncated = !(try database.checkpoint(.truncate)).busy }
        var outcome = CheckpointOutcome(copy: copied, truncated: truncated)
        outcome.walUncopiedBytes = walUncopiedBytes
        return outcome
    }

    /// Copies the whole WAL into the database file, on the storage connection, so that the next
    /// commit starts the `-wal` file over from its beginning and overwrites it instead of
    /// growing it. Nothing else writes on this connection meanwhile, so the copy is complete
    /// unless another process is reading. See `CheckpointPolicy.walRecycleBytes`.
    public func recycleWAL() throws -> CheckpointOutcome {
        let copied = try database.checkpoint(.passive)
        var outcome = CheckpointOutcome(copy: copied, complete: copied.isComplete && !copied.busy)
        outcome.walUncopiedBytes = walUncopiedBytes
        return outcome
    }

    /// Makes the `-wal` file at least `bytes` long, with zeros after its end, so that the
    /// first commits after a start overwrite it as later ones do (see `recycleWAL`) instead
    /// of growing it: growing a file costs each sync a second write for its new size and
    /// blocks. Runs under the WAL write lock (`BEGIN IMMEDIATE`), so no frame is appended
    /// meanwhile: the zeros go after every frame, where recovery ignores them (a frame counts
    /// only with the WAL's salt and a checksum chained to the one before it).
    public func extendWAL(to bytes: Int64) throws {
        try database.transaction {
            try FileSystem.extendWithZeros(at: path + "-wal", to: bytes)
        }
    }

    /// Bytes the WAL holds since it last started over (frames of a page and a 24-byte header),
    /// as of this connection's last commit.
    public var walContentBytes: Int64 {
        Int64(database.walFramesAfterLastCommit) * (database.pageBytes + 24)
    }

    /// Bytes of WAL frames not yet copied into the database file (`Database.walUncopiedBytes`;
    /// the `-wal` file's size when there is no wal-index to read).
    public var walUncopiedBytes: Int64 {
        database.walUncopiedBytes ?? walFileSize
    }

    /// The size of the `-wal` file in bytes (0 when there is none).
    public var walFileSize: Int64 { FileSystem.size(of: path + "-wal") }
}
