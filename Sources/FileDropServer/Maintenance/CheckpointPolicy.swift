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
    /// WAL is copied and truncated soon after a burst of uploads, long enough that a client
    /// sending files one after another is not interrupted between two of them.
    static let idleDelay = TimeAmount.milliseconds(300)
    /// Past this size the `-wal` file is checkpointed in the background even while writes go
    /// on. 1 GiB: a 1 GiB upload (the benchmark's size) is then written once before its
    /// 201, and the price is up to that much disk held by the `-wal` file until the server
    /// is idle for `idleDelay`.
    static let walSoftLimit: Int64 = 1 << 30
    /// Past this size the background checkpoints have not kept up with a long stream of
    /// writes: the storage thread checkpoints itself, so that writers wait while it copies.
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
    }

    /// What the decision is made from.
    struct Inputs: Equatable {
        var walBytes: Int64
        /// Since the last job that committed a change ended.
        var sinceLastWrite: TimeAmount
        /// A job committed a change after the last pass began (or no pass ran yet).
        var writtenSinceLastPass: Bool
        /// The last pass left the `-wal` file as it was (busy or incomplete copy).
        var lastPassTruncated: Bool
        /// The last pass was stopped by a lock held elsewhere and ended this long ago; nil
        /// when it was not.
        var busySince: TimeAmount?
        /// A maintenance task waits for the WAL to be checkpointed before it writes more.
        var tasksWaitingForWAL: Bool
    }

    static func decide(_ inputs: Inputs) -> Decision {
        guard inputs.walBytes > 0 else { return .none }
        if inputs.walBytes >= walHardLimit { return .onStorageThread }
        if let busySince = inputs.busySince, busySince < busyRetryDelay { return .none }
        if inputs.walBytes >= walSoftLimit || inputs.tasksWaitingForWAL { return .background }
        let idle = inputs.sinceLastWrite >= idleDelay
        return idle && (inputs.writtenSinceLastPass || !inputs.lastPassTruncated) ? .background : .none
    }
}
