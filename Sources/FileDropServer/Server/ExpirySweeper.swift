import FileDropStorage
import Logging
import NIOCore

/// Removes expired files in bounded steps on the storage thread, and hands their space to
/// the background reclaim, as a delete does.
///
/// Readers stop seeing a file at its `expires_at` (every query passes the time); this frees
/// its description and its space. Every `interval` one step runs (`FileStore.sweepExpired`):
/// it marks at most `maxFilesPerStep` files as removed (one small write each), tells the
/// quota ledger, and wakes the reclaim task, which frees their chunks and pages in its own
/// bounded steps (`StorageMaintenance.reclaimSpace`). While expired files remain the next
/// step is queued as soon as one ends, each as its own storage job, so requests queued
/// meanwhile run between steps. Each step's time on the storage thread is measured and
/// logged at debug level; `longestStep` keeps the worst.
///
/// Lives on the event loop. A failed step is logged and tried again at the next interval.
final class ExpirySweeper {
    static let interval = TimeAmount.seconds(2)
    /// Marking a file is one small row update: 16 of them are a short step whatever the
    /// files' sizes (freeing their chunks is the reclaim task's, in steps of its own).
    static let maxFilesPerStep = 16

    private let eventLoop: EventLoop
    private let storage: any StorageAccess
    private let space: SpaceGate
    private let maintenance: MaintenanceScheduler
    private let clock: WallClock
    private let logger: Logger
    private var scheduled: Scheduled<Void>?
    private var stopped = true
    /// The longest time one step held the storage thread so far.
    private(set) var longestStep = Duration.zero

    init(
        eventLoop: EventLoop, storage: any StorageAccess, space: SpaceGate, maintenance: MaintenanceScheduler, clock: WallClock,
        logger: Logger
    ) {
        self.eventLoop = eventLoop
        self.storage = storage
        self.space = space
        self.maintenance = maintenance
        self.clock = clock
        self.logger = logger
    }

    func start() {
        eventLoop.preconditionInEventLoop()
        stopped = false
        schedule(after: Self.interval)
    }

    func stop() {
        eventLoop.preconditionInEventLoop()
        stopped = true
        scheduled?.cancel()
        scheduled = nil
    }

    private func schedule(after delay: TimeAmount) {
        guard !stopped else { return }
        scheduled = eventLoop.assumeIsolated().scheduleTask(in: delay) { self.step() }
    }

    /// Runs one step; the next follows at once while expired files remain.
    func step() {
        let now = clock.unixMilliseconds
        storage.run { storage -> (sweep: ExpirySweep, held: Duration) in
            let started = ContinuousClock.now
            let sweep = try storage.files.sweepExpired(now: now, maxFiles: Self.maxFilesPerStep)
            return (sweep, ContinuousClock.now - started)
        }.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let (sweep, held)):
                self.space.removeStored(sweep.removed)
                if !sweep.removed.isEmpty {
                    self.maintenance.wake(StorageMaintenance.reclaimName)
                    self.longestStep = max(self.longestStep, held)
                    self.logger.debug(
                        "expiry sweep step: removed \(sweep.removed.count) file(s); held the storage thread \(Self.milliseconds(held)) ms"
                    )
                }
                self.schedule(after: sweep.moreRemain ? .zero : Self.interval)
            case .failure(let error):
                self.logger.error("expiry sweep failed: \(error)")
                self.schedule(after: Self.interval)
            }
        }
    }

    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let tenths = Int64((Double(seconds) * 10_000 + Double(attoseconds) / 1e14).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

@available(*, unavailable)
extension ExpirySweeper: Sendable {}
