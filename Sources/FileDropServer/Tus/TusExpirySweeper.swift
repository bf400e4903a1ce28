import FileDropStorage
import Logging
import NIOCore

/// Removes expired resumable uploads, a little at a time: every `interval` (a quarter of the
/// uploads' lifetime, between 1 s and 60 s, so an upload is gone soon after it expires) it
/// runs bounded steps on the storage thread, each removing at most `uploadsPerStep` uploads
/// (an upload row deleted and its file row marked, as a delete marks a file), until none is
/// left; it tells the quota ledger and wakes the background reclaim, which frees their chunks
/// in steps of its own. Uploads a request is writing to are skipped.
///
/// Like `ExpirySweeper` (files), a repeated task on the event loop rather than a
/// `MaintenanceTask`: after each step it must tell the ledger and wake the reclaim task, on
/// the loop. Each step is one storage job, so other requests' database work runs between.
final class TusExpirySweeper {
    static let uploadsPerStep = 8

    private let eventLoop: EventLoop
    private let storage: any StorageAccess
    private let active: TusActiveWrites
    private let space: SpaceGate
    private let maintenance: MaintenanceScheduler
    private let clock: WallClock
    private let logger: Logger
    let interval: TimeAmount
    private var task: RepeatedTask?

    init(context: ServerContext, lifetimeSeconds: Int64) {
        eventLoop = context.eventLoop
        storage = context.storage
        active = context.activeUploads
        space = context.space
        maintenance = context.maintenance
        clock = context.clock
        logger = context.logger
        interval = .milliseconds(min(60_000, max(1_000, lifetimeSeconds * 1000 / 4)))
    }

    func start() {
        eventLoop.preconditionInEventLoop()
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        task = eventLoop.scheduleRepeatedAsyncTask(initialDelay: .zero, delay: interval) { _ in
            bound.value.sweep()
        }
    }

    func stop() {
        eventLoop.preconditionInEventLoop()
        task?.cancel()
        task = nil
    }

    /// Runs steps until one finds fewer than `uploadsPerStep` expired uploads; failures are
    /// logged and the next tick tries again.
    func sweep(removedSoFar: Int = 0) -> EventLoopFuture<Void> {
        let (now, excluding, logger) = (clock.unixMilliseconds, active.claimedIDs, logger)
        return storage.run { storage in
            try storage.uploads.sweepExpired(now: now, excluding: excluding, limit: Self.uploadsPerStep)
        }.assumeIsolated().flatMap { step -> EventLoopFuture<Void> in
            for removal in step.removed { self.space.removeStored(owner: removal.uploadedBy, bytes: removal.bytes) }
            if !step.removed.isEmpty { self.maintenance.wake(StorageMaintenance.reclaimName) }
            let removed = removedSoFar + step.looked
            if step.looked == Self.uploadsPerStep { return self.sweep(removedSoFar: removed) }
            if removed > 0 { logger.info("removed \(removed) expired resumable upload(s)") }
            return self.eventLoop.makeSucceededVoidFuture()
        }.nonisolated().recover { error in
            logger.error("could not remove expired resumable uploads: \(error)")
        }
    }
}

@available(*, unavailable)
extension TusExpirySweeper: Sendable {}
