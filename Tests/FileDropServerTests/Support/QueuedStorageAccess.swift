import FileDropStorage
import NIOCore

@testable import FileDropServer

/// `StorageAccess` that stands in for the storage thread's queue: each closure waits in a
/// FIFO until the test runs it (`runNext`), against a real SQLite file. So a test can see
/// the order in which work reaches the storage thread, or keep it busy (nothing runs until
/// the test says so). Used on the test's event loop only.
final class QueuedStorageAccess: StorageAccess {
    let storage: Storage
    private let eventLoop: EventLoop
    private var queue: [(label: String, run: () -> Void)] = []
    /// Labels the next `run` calls (for tests that check the order of the queue).
    var nextLabel = "job"

    init(storage: Storage, eventLoop: EventLoop) {
        self.storage = storage
        self.eventLoop = eventLoop
    }

    var queuedLabels: [String] { queue.map(\.label) }

    func run<T: Sendable>(_ body: @escaping @Sendable (Storage) throws -> T) -> EventLoopFuture<T> {
        let promise = eventLoop.makePromise(of: T.self)
        let storage = self.storage
        queue.append((nextLabel, { promise.completeWith(Result { try body(storage) }) }))
        return promise.futureResult
    }

    /// Runs the oldest waiting closure; false when none waits.
    @discardableResult
    func runNext() -> Bool {
        guard !queue.isEmpty else { return false }
        queue.removeFirst().run()
        return true
    }

    /// Runs closures until none waits (those queued meanwhile too); returns how many ran.
    @discardableResult
    func runAll(limit: Int = 10_000) -> Int {
        var count = 0
        while count < limit, runNext() { count += 1 }
        return count
    }
}
