import FileDropStorage
import Logging
import NIOCore

/// Runs `MaintenanceTask`s in bounded steps on the storage thread, interleaved with the
/// requests' work, and drives the checkpoints (`CheckpointDriver`) on each tick.
///
/// One step at a time: each step is one job on the storage executor, and the next is only
/// submitted once it has ended, so request jobs queued meanwhile run between two steps (the
/// storage thread serves its queue in order). Tasks that are due take turns. A step that
/// fails is logged and its task tried again after its interval; a failure never reaches a
/// request (a delete has answered 204 long before its space is reclaimed).
///
/// Other features register their own tasks (`register`) and announce work (`wake`). Lives on
/// the event loop.
final class MaintenanceScheduler {
    /// How often the scheduler looks for due tasks and checkpoint work.
    static let tick = TimeAmount.milliseconds(250)

    private struct Entry {
        let task: MaintenanceTask
        var dueAt: NIODeadline
        var waitsForTick = false
    }

    private let eventLoop: EventLoop
    private let storage: any StorageAccess
    private let logger: Logger
    private var entries: [Entry] = []
    /// Round robin: the entry after the one that ran last goes first.
    private var nextIndex = 0
    private var running = false
    private var repeated: RepeatedTask?
    /// Stopped for shutdown: no step is submitted any more, so none reaches the storage
    /// connection after it was closed (a step ending after `stop` used to submit the next).
    private var stopped = false

    /// Called after every step with the task's name and how long the step held the storage
    /// thread (for metrics and the stall tests).
    var onStep: (String, Duration) -> Void = { _, _ in }
    /// Called on every tick, after the due steps were looked at (the checkpoint driver).
    var onTick: () -> Void = {}

    init(eventLoop: EventLoop, storage: any StorageAccess, logger: Logger) {
        self.eventLoop = eventLoop
        self.storage = storage
        self.logger = logger
    }

    /// Adds a task; its first step runs at the next tick. Called on the event loop, or while
    /// the server is being built (before the scheduler is on its loop).
    func register(_ task: MaintenanceTask) {
        precondition(!entries.contains { $0.task.name == task.name }, "two maintenance tasks named \(task.name)")
        entries.append(Entry(task: task, dueAt: .now()))
    }

    /// Makes a task due now (it has work: a file was deleted) and runs a step unless one is
    /// running already.
    func wake(_ name: String) {
        eventLoop.assertInEventLoop()
        guard let index = entries.firstIndex(where: { $0.task.name == name }) else { return }
        entries[index].dueAt = .now()
        entries[index].waitsForTick = false
        pump()
    }

    /// Whether some task is waiting for the next tick (for a checkpoint, say).
    var hasWaitingTasks: Bool { entries.contains { $0.waitsForTick } }

    func start() {
        eventLoop.assertInEventLoop()
        guard repeated == nil else { return }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        repeated = eventLoop.scheduleRepeatedTask(initialDelay: Self.tick, delay: Self.tick) { _ in
            bound.value.tickNow()
        }
    }

    func stop() {
        eventLoop.assertInEventLoop()
        stopped = true
        repeated?.cancel()
        repeated = nil
    }

    /// One tick: tasks waiting for it, or that see new work, become due, a step runs if one
    /// is due, then checkpoints.
    func tickNow() {
        let now = NIODeadline.now()
        for index in entries.indices {
            if entries[index].waitsForTick {
                entries[index].waitsForTick = false
            } else if entries[index].dueAt > now, entries[index].task.hasNewWork?() == true {
                entries[index].dueAt = now
            }
        }
        pump()
        onTick()
    }

    /// Submits the next due step, unless a step is running.
    func pump() {
        eventLoop.assertInEventLoop()
        guard !running, !stopped, !entries.isEmpty else { return }
        let now = NIODeadline.now()
        for offset in 0..<entries.count {
            let index = (nextIndex + offset) % entries.count
            guard !entries[index].waitsForTick, entries[index].dueAt <= now else { continue }
            nextIndex = index + 1
            return run(index)
        }
    }

    private func run(_ index: Int) {
        running = true
        let task = entries[index].task
        let step = task.makeStep()
        storage.run { storage -> (MaintenanceTask.Outcome, Duration) in
            let started = ContinuousClock.now
            let outcome = try step(storage)
            return (outcome, ContinuousClock.now - started)
        }.assumeIsolated().whenComplete { result in
            self.running = false
            guard let index = self.entries.firstIndex(where: { $0.task.name == task.name }) else { return }
            switch result {
            case .success(let (outcome, duration)):
                self.onStep(task.name, duration)
                switch outcome {
                case .finished: self.entries[index].dueAt = .now() + task.interval
                case .more: self.entries[index].dueAt = .now()
                case .later: self.entries[index].waitsForTick = true
                }
            case .failure(let error):
                self.logger.error("maintenance '\(task.name)' failed, will retry: \(error)")
                self.entries[index].dueAt = .now() + task.interval
            }
            self.pump()
        }
    }
}

@available(*, unavailable)
extension MaintenanceScheduler: Sendable {}
