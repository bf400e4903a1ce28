import FileDropStorage
import NIOCore

/// One kind of background storage work (giving deleted files' space back, sweeping what
/// failed uploads left, expiring files), done by `MaintenanceScheduler` in bounded steps
/// on the storage thread, between the requests' own storage work.
///
/// A step must stay short: it holds the one storage thread, and every request that needs
/// the database waits behind it. Aim for a few milliseconds and never more than ~50 ms:
/// bound what one step may touch (rows, pages) rather than its time. A task that has more
/// to do says so, and its next step runs after whatever queued up meanwhile.
struct MaintenanceTask {
    /// What a step left to do.
    enum Outcome: Sendable, Equatable {
        /// Nothing is left: the next step runs after `interval`, or when woken.
        case finished
        /// More is left: the next step runs as soon as the storage thread has served what
        /// queued up during this one.
        case more
        /// More is left, but not now (waiting for a checkpoint, or pacing itself): the next
        /// step runs at the scheduler's next tick.
        case later
    }

    /// Names the task in logs, metrics and `MaintenanceScheduler.wake`.
    let name: String
    /// How long after it finished the task is run again unless woken (a safety net for work
    /// that no event announces, such as files that expire by time).
    let interval: TimeAmount
    /// Called on the event loop before each step: returns the step itself, which runs on the
    /// storage thread. (What the step needs from the loop, such as the uploads in progress
    /// or the time, is read here and captured.)
    let makeStep: () -> @Sendable (Storage) throws -> Outcome
    /// Asked on the event loop at every tick while the task waits for its `interval`: true
    /// makes it due now. For work that no one announces but a look on the loop can see
    /// (the database changed: files may wait to be indexed).
    var hasNewWork: (() -> Bool)?

    init(
        name: String, interval: TimeAmount, hasNewWork: (() -> Bool)? = nil,
        makeStep: @escaping () -> @Sendable (Storage) throws -> Outcome
    ) {
        self.name = name
        self.interval = interval
        self.hasNewWork = hasNewWork
        self.makeStep = makeStep
    }
}
