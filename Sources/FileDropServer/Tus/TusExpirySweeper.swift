import FileDropStorage
import Logging
import NIOCore

/// Removes expired resumable uploads and gives their space back, a little at a time: every
/// `interval` (a quarter of the uploads' lifetime, between 1 s and 60 s, so an upload is gone
/// soon after it expires) it runs bounded steps on the storage thread, each removing at most
/// `uploadsPerStep` uploads, until none is left. Uploads a request is writing to are skipped.
///
/// A plain repeated task on the event loop; each step is one storage closure, so other
/// requests' database work runs between steps.
final class TusExpirySweeper {
    static let uploadsPerStep = 8

    private let eventLoop: EventLoop
    private let storage: any StorageAccess
    private let active: TusActiveWrites
    private let clock: WallClock
    private let logger: Logger
    let interval: TimeAmount
    private var task: RepeatedTask?

    init(context: ServerContext, lifetimeSeconds: Int64) {
        eventLoop = context.eventLoop
        storage = context.storage
        active = context.activeUploads
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
        }.assumeIsolated().flatMap { looked -> EventLoopFuture<Void> in
            let removed = removedSoFar + looked
            if looked == Self.uploadsPerStep { return self.sweep(removedSoFar: removed) }
            if removed > 0 { logger.info("removed \(removed) expired resumable upload(s)") }
            return self.eventLoop.makeSucceededVoidFuture()
        }.nonisolated().recover { error in
            logger.error("could not remove expired resumable uploads: \(error)")
        }
    }
}

@available(*, unavailable)
extension TusExpirySweeper: Sendable {}
