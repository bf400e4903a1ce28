import FileDropStorage
import NIOCore

/// When FileDrop checkpoints its WAL, in one place so that it can be tuned (issue #14
/// measures it). SQLite's own auto-checkpoint is off (`Database`); under `--litestream`
/// none of this runs and Litestream alone checkpoints.
///
/// The aim: an upload's bytes are written once on its critical path (into the WAL, synced
/// before the 201), and copied into the database file later, off that path, on the
/// checkpoint thread, when the server has been idle for a moment. Two bounds keep the
/// `-wal` file from growing without end while writes never pause.
struct CheckpointPolicy {
    /// A checkpoint starts once no job has written for this long: short enough that the
    /// WAL is copied soon after a burst of uploads, long enough that a client sending files
    /// one after another is not interrupted between two of them.
    static let idleDelay = TimeAmount.milliseconds(300)
    /// Once copied, a `-wal` file up to this size is kept for the next commits to overwrite
    /// (cheaper to sync than a growing file: `CheckpointConnection.checkpoint`); a larger one
    /// is truncated to zero bytes, so that a large upload's WAL does not keep its disk space.
    /// Below `StorageMaintenance.reclaimWALLimit`, which the space reclaim waits on: a kept
    /// file must never hold it up.
    static let walKeptBytes: Int64 = 32 << 20
    /// While small commits go on (no streamed upload in progress), a WAL holding this much
    /// is copied into the database file on the storage thread, between two jobs, so that the
    /// next commit starts the `-wal` file over and overwrites it: many small uploads in a
    /// row would otherwise grow it, every sync paying for the growth. The copy takes the
    /// storage thread for a few milliseconds (the pages changed since the last copy: for
    /// 10 KiB uploads about one new page each, plus the indexes') once per ~16 MiB of WAL.
    /// Measured on the side-by-side benchmark: 300 durable 10 KiB uploads 801 -> 1,146-1,169/s.
    /// Only up to `walKeptBytes`: a larger WAL (a large upload just ended) would hold the
    /// storage thread too long, and waits for the idle copy.
    static let walRecycleBytes: Int64 = 16 << 20
    /// A copied `-wal` file larger than `walKeptBytes`, up to this, is kept too while frames
    /// were written to the WAL within `walReusedFor` and `WALReuse` allows it (the file in
    /// memory, room on the disk): a large upload that follows writes over it instead of
    /// growing a new one, with half the system time (README, "Bytes written once before the
    /// 201"). After that, the next look truncates it.
    static let walReuseLimit: Int64 = Database.walSizeLimit
    static let walReusedFor = TimeAmount.seconds(60)
    /// How often a kept large `-wal` file is looked at again (its pages still in memory, the
    /// disk's room) while nothing is written.
    static let walReuseReview = TimeAmount.seconds(5)
    /// Past this many bytes not yet copied the WAL is checkpointed in the background even
    /// while writes go on. 1 GiB: a 1 GiB upload (the benchmark's size) is then written once
    /// before its 201, and the price is up to that much disk held by the `-wal` file until the
    /// server is idle for `idleDelay`.
    static let walSoftLimit: Int64 = 1 << 30
    /// Past this size of the `-wal` file the background checkpoints have not kept up with a
    /// long stream of writes: the storage thread checkpoints itself, so that writers wait
    /// while it copies.
    static let walHardLimit: Int64 = 2 << 30
    /// While the `-wal` file grows (a large upload), the checkpoint thread syncs it each time
    /// it grew by this much: otherwise the kernel may hold much of it in memory until the
    /// upload's final durable commit, whose sync on the storage thread then writes it all at
    /// once while every request waits (measured for a 1 GiB upload: 0.82 s without, 0.47 s
    /// with, on a loaded 2-core VM).
    static let walSyncStep: Int64 = 64 << 20
    /// After a pass that another process's lock stopped (a reader in the WAL), the next
    /// waits this long.
    static let busyRetryDelay = TimeAmount.seconds(2)

    enum Decision: Equatable {
        case none
        /// A pass on the checkpoint thread.
        case background
        /// A checkpoint on the storage thread, holding up writers until it is done.
        case onStorageThread
        /// A copy on the storage thread between two jobs, so that the next commit starts the
        /// `-wal` file over (`walRecycleBytes`).
        case recycle
    }

    /// What the decision is made from.
    struct Inputs: Equatable {
        /// Bytes of frames not yet copied into the database file (from the wal-index:
        /// `Database.walUncopiedBytes`).
        var walBytes: Int64
        /// The `-wal` file's size, which may be larger: frames already copied, kept for reuse.
        var walFileBytes: Int64 = 0
        /// Since the last job that committed a change ended.
        var sinceLastWrite: TimeAmount
        /// Bytes the WAL holds since it last started over (`Storage.walContentBytes`).
        var walContentBytes: Int64 = 0
        /// A job committed a change after the last pass began (or no pass ran yet).
        var writtenSinceLastPass: Bool
        /// The last pass copied everything, nothing being written meanwhile (the `-wal` file
        /// was truncated or kept for reuse); false when it was busy or copied only part.
        var lastPassComplete: Bool
        /// The last pass was stopped by a lock held elsewhere and ended this long ago; nil
        /// when it was not.
        var busySince: TimeAmount?
        /// A maintenance task waits for the WAL to be checkpointed before it writes more.
        var tasksWaitingForWAL: Bool
        /// A streamed upload (a form upload over one chunk, a tus PATCH) is writing: its bytes
        /// are written once, not copied while it goes on (below `walSoftLimit`).
        var streamingUploads = false
        /// Since the last pass began; nil before the first.
        var sinceLastPass: TimeAmount? = nil
        /// Since the WAL was last seen holding frames not yet copied (new frames written):
        /// unlike `sinceLastWrite`, not renewed by a commit that changed nothing.
        var sinceWALWritten: TimeAmount = .hours(1)
    }

    static func decide(_ inputs: Inputs) -> Decision {
        if inputs.walFileBytes >= walHardLimit { return .onStorageThread }
        guard inputs.walBytes > 0 else { return reviewsKeptWAL(inputs) ? .background : .none }
        if let busySince = inputs.busySince, busySince < busyRetryDelay { return .none }
        // A task waiting for the WAL (the space reclaim after a delete) does not make the
        // upload that is streaming meanwhile be copied as it arrives: it waits for its end.
        if inputs.walBytes >= walSoftLimit || (inputs.tasksWaitingForWAL && !inputs.streamingUploads) { return .background }
        let idle = inputs.sinceLastWrite >= idleDelay
        if !idle, inputs.writtenSinceLastPass, !inputs.streamingUploads, inputs.walContentBytes >= walRecycleBytes,
            inputs.walContentBytes <= walKeptBytes
        {
            return .recycle
        }
        return idle && (inputs.writtenSinceLastPass || !inputs.lastPassComplete) ? .background : .none
    }

    /// Everything is copied and a `-wal` file larger than `walKeptBytes` is kept: a pass every
    /// `walReuseReview` while idle keeps it or, once `mayReuseWAL` or `WALReuse` says no,
    /// truncates it.
    static func reviewsKeptWAL(_ inputs: Inputs) -> Bool {
        inputs.walFileBytes > walKeptBytes && inputs.sinceLastWrite >= idleDelay
            && (inputs.sinceLastPass.map { $0 >= walReuseReview } ?? true)
    }

    /// Whether a pass may keep a copied `-wal` file larger than `walKeptBytes` (up to
    /// `walReuseLimit`, if `WALReuse` allows it): not once no frame was written for
    /// `walReusedFor`.
    static func mayReuseWAL(_ inputs: Inputs) -> Bool {
        inputs.sinceWALWritten < walReusedFor
    }
}
