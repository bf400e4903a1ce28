import FileDropStorage
import FileDropSystem
import Logging
import NIOCore

/// Carries out `CheckpointPolicy` on every maintenance tick: reads the `-wal` file's size,
/// what the WAL holds not yet copied (as the storage thread or the last pass read it from the
/// wal-index) and the storage thread's last write, and starts a pass when the policy says so,
/// at most one at a time. Lives on the event loop.
final class CheckpointDriver {
    private let eventLoop: EventLoop
    private let checkpointer: Checkpointer
    private let storage: any StorageAccess
    private let statistics: StorageStatistics
    private let walPath: String
    /// `--min-free-space`: a large `-wal` file is kept for reuse only with room beyond it.
    private let minFreeBytes: Int64
    private let logger: Logger
    private var running = false
    private var lastPassStartedAt: UInt64?
    private var lastPassComplete = false
    /// What the WAL held not yet copied when the last pass ended, and when that was.
    private var uncopiedAfterLastPass: Int64 = 0
    private var lastPassEndedAt: UInt64 = 0
    /// When a tick last found frames not yet copied; nil before the first.
    private var walWrittenAt: NIODeadline?
    /// The `-wal` file's size when it was last synced (or checkpointed).
    private var walSyncedBytes: Int64 = 0
    /// When the last pass that a lock held elsewhere stopped ended; nil after one that was not.
    private var lastBusyAt: NIODeadline?

    /// Called with every pass's outcome, or nil when it failed (for metrics).
    var onPass: (CheckpointOutcome?) -> Void = { _ in }

    init(
        eventLoop: EventLoop, checkpointer: Checkpointer, storage: any StorageAccess, statistics: StorageStatistics,
        databasePath: String, minFreeBytes: Int64, logger: Logger
    ) {
        self.eventLoop = eventLoop
        self.checkpointer = checkpointer
        self.storage = storage
        self.statistics = statistics
        self.walPath = databasePath + "-wal"
        self.minFreeBytes = minFreeBytes
        self.logger = logger
    }

    /// Looks at the WAL and starts what the policy says. Called on every maintenance tick,
    /// and after every group commit (so that the WAL is recycled as soon as it holds
    /// `walRecycleBytes`, not up to a tick later).
    func tick(tasksWaitingForWAL: Bool, streamingUploads: Bool) {
        eventLoop.assertInEventLoop()
        // While the disk is full the emergency reserve is the room deletes need: a checkpoint
        // would grow the database file into it, so none runs until the reserve is back.
        let snapshot = statistics.snapshot
        guard !running, !snapshot.outOfRoom else { return }
        let now = NIODeadline.now()
        let lastWrite = snapshot.lastWriteUptimeNanoseconds
        let fileBytes = FileSystem.size(of: walPath)
        // Whichever read the wal-index last: the storage thread at a job's end, or the last pass.
        let walUncopiedBytes =
            snapshot.lastJobEndedUptimeNanoseconds > lastPassEndedAt ? snapshot.walUncopiedBytes : uncopiedAfterLastPass
        if walUncopiedBytes > 0 { walWrittenAt = now }
        let inputs = CheckpointPolicy.Inputs(
            walBytes: walUncopiedBytes,
            walFileBytes: fileBytes,
            sinceLastWrite: lastWrite == 0 ? .hours(1) : now - NIODeadline.uptimeNanoseconds(lastWrite),
            walContentBytes: snapshot.walContentBytes,
            writtenSinceLastPass: lastPassStartedAt.map { lastWrite >= $0 } ?? true,
            lastPassComplete: lastPassComplete,
            busySince: lastBusyAt.map { now - $0 },
            tasksWaitingForWAL: tasksWaitingForWAL,
            streamingUploads: streamingUploads,
            sinceLastPass: lastPassStartedAt.map { now - NIODeadline.uptimeNanoseconds($0) },
            sinceWALWritten: walWrittenAt.map { now - $0 } ?? .hours(1)
        )
        let size = inputs.walBytes
        let pass: EventLoopFuture<CheckpointOutcome>
        switch CheckpointPolicy.decide(inputs) {
        case .none:
            if inputs.walBytes < walSyncedBytes { walSyncedBytes = 0 }  // truncated or restarted
            guard inputs.walBytes - walSyncedBytes >= CheckpointPolicy.walSyncStep else { return }
            running = true
            checkpointer.syncWAL(path: walPath).assumeIsolated().whenComplete { _ in
                self.running = false
                self.walSyncedBytes = size
            }
            return
        case .background:
            let reuse = WALReuse(upTo: CheckpointPolicy.walReuseLimit, minFreeBytes: minFreeBytes)
            pass = checkpointer.pass(reuse: CheckpointPolicy.mayReuseWAL(inputs) ? reuse : nil)
        case .onStorageThread:
            logger.warning("the -wal file passed \(CheckpointPolicy.walHardLimit >> 20) MiB: checkpointing on the storage thread")
            pass = storage.run { try $0.checkpointNow() }
        case .recycle:
            pass = storage.run { try $0.recycleWAL() }
        }
        running = true
        lastPassStartedAt = now.uptimeNanoseconds
        pass.assumeIsolated().whenComplete { result in
            self.running = false
            switch result {
            case .success(let outcome):
                let copy = outcome.copy
                self.logger.debug(
                    "checkpoint: \(copy.checkpointedFrames) of \(copy.walFrames) pages copied\(copy.busy ? " (busy)" : "")\(outcome.truncated ? ", -wal truncated" : outcome.complete ? ", -wal kept for reuse" : "")"
                )
                self.lastPassComplete = outcome.complete
                self.uncopiedAfterLastPass = outcome.walUncopiedBytes
                self.lastPassEndedAt = NIODeadline.now().uptimeNanoseconds
                self.walSyncedBytes = outcome.truncated ? 0 : size  // a checkpoint syncs the WAL first
                self.noteBusy(outcome.copy.busy)
                self.onPass(outcome)
            case .failure(let error):
                self.lastPassComplete = false
                self.lastBusyAt = .now()
                self.logger.error("checkpoint failed, will retry: \(error)")
                self.onPass(nil)
            }
        }
    }

    private func noteBusy(_ busy: Bool) {
        if busy, lastBusyAt == nil {
            logger.info("checkpoint postponed: another connection is using the database; retrying every few seconds")
        }
        lastBusyAt = busy ? .now() : nil
    }
}

@available(*, unavailable)
extension CheckpointDriver: Sendable {}
