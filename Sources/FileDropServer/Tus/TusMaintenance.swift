import FileDropStorage
import Logging
import NIOCore

/// The maintenance task that removes expired resumable uploads, registered with the server's
/// `MaintenanceScheduler` beside the reclaim and the incomplete-upload sweep.
///
/// Each step, on the storage thread, removes at most `uploadsPerStep` expired uploads: an
/// unfinished one's upload row is deleted and its file row marked removed (`complete = -1`,
/// as a delete marks a file), a finished one's upload row is forgotten and its file kept.
/// Back on the event loop the quota ledger is told and the reclaim task woken, which frees
/// the marked rows' chunks in bounded steps of its own. Uploads a request is writing to are
/// skipped (that request ends with the 30 s body timeout at the latest).
///
/// It runs every quarter of the uploads' lifetime (between 1 s and 60 s), so an upload is
/// gone soon after it expires, and again at once while a step removed a full batch.
enum TusMaintenance {
    static let expiryName = "expire resumable uploads"
    /// An upload is two small row writes: 8 of them are a short step whatever their sizes.
    static let uploadsPerStep = 8

    static func expireUploads(
        lifetimeSeconds: Int64, eventLoop loop: EventLoop, active: TusActiveWrites, space: SpaceGate,
        maintenance: MaintenanceScheduler, clock: WallClock, logger: Logger
    ) -> MaintenanceTask {
        let interval = TimeAmount.milliseconds(min(60_000, max(1_000, lifetimeSeconds * 1000 / 4)))
        // Weak: the scheduler holds this task.
        let removed = { [weak maintenance] (removals: [TusStore.Removal]) in
            for removal in removals { space.removeStored(owner: removal.uploadedBy, bytes: removal.bytes) }
            maintenance?.wake(StorageMaintenance.reclaimName)
            logger.info("removed \(removals.count) expired resumable upload(s)")
        }
        return MaintenanceTask(name: expiryName, interval: interval) {
            // On the event loop: what the step needs from it, and the way back to it.
            let (now, excluding, removed) = (clock.unixMilliseconds, active.claimedIDs, NIOLoopBound(removed, eventLoop: loop))
            return { storage in
                let step = try storage.uploads.sweepExpired(now: now, excluding: excluding, limit: uploadsPerStep)
                if !step.removed.isEmpty {
                    let removals = step.removed
                    loop.execute { removed.value(removals) }
                }
                // A full batch may have more behind it; one made only of uploads being written
                // to waits for the next interval.
                return step.looked == uploadsPerStep && step.looked > excluding.count ? .more : .finished
            }
        }
    }
}
