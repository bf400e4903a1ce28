import FileDropStorage
import NIOCore
import Synchronization

/// Commits that must be durable before they are acknowledged, grouped: one sync of the `-wal`
/// file for every commit that arrived while the storage thread was busy, rather than one each.
///
/// `run` queues a commit; the first commit of a group schedules one storage job, which takes
/// every commit queued by the time it starts, runs each in its own transaction without a sync
/// (`synchronous=NORMAL`: one failing commit fails only its own upload), then syncs the WAL
/// once (`Storage.syncWAL`) and only then completes their futures, on the event loop, after
/// `ChangeTrackingStorage` has seen the job's commits. Nothing else runs on the storage thread
/// between the commits and the sync, so no request can see a file that is not yet durable,
/// and no `201` goes out before its commit is on disk. If the sync fails, each commit's
/// `undo` runs (the file is deleted) and every commit of the group fails with the error.
///
/// With one client at a time a group holds one commit and costs what a synced commit costs;
/// with many, the sync (milliseconds on a disk) is shared.
final class GroupCommit: Sendable {
    /// One queued commit: runs it, and returns what completes its future once the sync is known.
    private typealias Entry = @Sendable (Storage) -> (_ storage: Storage, _ syncError: (any Error)?) -> (@Sendable () -> Void)

    private struct Queue {
        var entries: [(entry: Entry, fail: @Sendable (any Error) -> Void)] = []
        var scheduled = false
    }

    private let queue = Mutex(Queue())
    private let eventLoop: EventLoop
    /// Called on the event loop once a group's futures completed (the checkpoint driver).
    private let afterGroupCallback = Mutex<(@Sendable () -> Void)?>(nil)

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Calls `body` on the event loop after every group, once its futures completed: the
    /// checkpoint driver looks at the WAL then. `body` is bound to `eventLoop`.
    func afterGroup(on eventLoop: EventLoop, _ body: @escaping () -> Void) {
        let bound = NIOLoopBound(body, eventLoop: eventLoop)
        afterGroupCallback.withLock { $0 = { bound.value() } }
    }

    /// Runs `commit` on the storage thread in a group whose sync follows; its future completes
    /// once the sync did. `undo` takes the committed change back when the sync fails.
    func run<T: Sendable>(
        on storage: any StorageAccess, _ commit: @escaping @Sendable (Storage) throws -> T,
        undo: @escaping @Sendable (Storage, T) -> Void
    ) -> EventLoopFuture<T> {
        let promise = eventLoop.makePromise(of: T.self)
        let entry: Entry = { database in
            do {
                let value = try commit(database)
                return { database, syncError in
                    guard let syncError else { return { promise.succeed(value) } }
                    undo(database, value)
                    return { promise.fail(syncError) }
                }
            } catch {
                return { _, _ in { promise.fail(error) } }
            }
        }
        let first = queue.withLock { queue in
            queue.entries.append((entry, { promise.fail($0) }))
            defer { queue.scheduled = true }
            return !queue.scheduled
        }
        if first { drain(on: storage) }
        return promise.futureResult
    }

    /// One storage job for every commit queued when it starts.
    private func drain(on storage: any StorageAccess) {
        storage.run { [self] database -> [@Sendable () -> Void] in
            let entries = self.takeEntries()
            let finishers = entries.map { $0.entry(database) }
            var syncError: (any Error)?
            do { try database.syncWAL() } catch { syncError = error }
            return finishers.map { $0(database, syncError) }
        }.whenComplete { result in
            switch result {
            case .success(let completions):
                for complete in completions { complete() }
                self.afterGroupCallback.withLock { $0 }?()
            case .failure(let error):
                // The job never ran (the storage thread is stopping): nothing was committed.
                for entry in self.takeEntries() { entry.fail(error) }
            }
        }
    }

    /// Every queued commit; the next one queued schedules a job of its own.
    private func takeEntries() -> [(entry: Entry, fail: @Sendable (any Error) -> Void)] {
        queue.withLock { queue in
            defer {
                queue.entries = []
                queue.scheduled = false
            }
            return queue.entries
        }
    }
}
