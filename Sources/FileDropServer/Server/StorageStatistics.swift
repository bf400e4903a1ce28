import NIOCore
import Synchronization

/// What the storage thread reports of its own work: when it last wrote (for the checkpoint
/// policy's idle delay), whether the disk is full (checkpoints wait), and how long its jobs held it (for `/metrics` and the stall
/// tests). Written by the storage thread after every job, read by the event loop: a mutex,
/// never contended for more than the few instructions of an update.
final class StorageStatistics: Sendable {
    /// Upper bounds of the job-duration histogram, in seconds.
    static let bucketBounds: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    struct Snapshot: Sendable {
        /// Uptime nanoseconds of the end of the last job that committed a change (0: none yet).
        var lastWriteUptimeNanoseconds: UInt64 = 0
        var jobs: UInt64 = 0
        var totalSeconds: Double = 0
        var longestSeconds: Double = 0
        /// The disk was full after the last job: the emergency reserve is given up for deletes
        /// (`FileStore.isOutOfRoom`), so nothing else may write, checkpoints included.
        var outOfRoom = false
        /// Bytes in the WAL since it last started over, as of the last job's last commit
        /// (`Storage.walContentBytes`).
        var walContentBytes: Int64 = 0
        /// Bytes in the WAL not yet copied into the database file, read at the last job's end
        /// (`Storage.walUncopiedBytes`).
        var walUncopiedBytes: Int64 = 0
        /// Uptime nanoseconds of the end of the last job (0: none yet).
        var lastJobEndedUptimeNanoseconds: UInt64 = 0
        /// Jobs per bucket of `bucketBounds`, not cumulative; the last counts the rest.
        var buckets = [UInt64](repeating: 0, count: StorageStatistics.bucketBounds.count + 1)
    }

    private let state = Mutex(Snapshot())

    func record(
        seconds: Double, wrote: Bool, outOfRoom: Bool = false, walContentBytes: Int64 = 0, walUncopiedBytes: Int64 = 0,
        endedAt: NIODeadline
    ) {
        let bucket = Self.bucketBounds.firstIndex { seconds <= $0 } ?? Self.bucketBounds.count
        state.withLock { state in
            state.jobs += 1
            state.totalSeconds += seconds
            state.longestSeconds = max(state.longestSeconds, seconds)
            state.buckets[bucket] += 1
            if wrote { state.lastWriteUptimeNanoseconds = endedAt.uptimeNanoseconds }
            state.outOfRoom = outOfRoom
            state.walContentBytes = walContentBytes
            state.walUncopiedBytes = walUncopiedBytes
            state.lastJobEndedUptimeNanoseconds = endedAt.uptimeNanoseconds
        }
    }

    var snapshot: Snapshot { state.withLock { $0 } }
}
