import FileDropAuth
import FileDropStorage
import NIOCore

@testable import FileDropServer

/// `StorageAccess` for race tests: closures queue up and run against the real database, in
/// order, only when the test says so. That is how the storage thread behaves (one closure
/// after another, results delivered to the loop in that order), with the interleaving of
/// requests, reloads and other processes chosen by the test instead of by the scheduler.
final class SteppedStorageAccess: StorageAccess {
    let storage: Storage
    private let eventLoop: EventLoop
    private var queue: [() -> Void] = []

    init(storage: Storage, eventLoop: EventLoop) {
        self.storage = storage
        self.eventLoop = eventLoop
    }

    /// Closures waiting to run.
    var pending: Int { queue.count }

    func run<T: Sendable>(_ body: @escaping @Sendable (Storage) throws -> T) -> EventLoopFuture<T> {
        let promise = eventLoop.makePromise(of: T.self)
        let storage = self.storage
        queue.append { promise.completeWith(Result { try body(storage) }) }
        return promise.futureResult
    }

    /// Runs the oldest waiting closure (and whatever its result sets off on the loop).
    func runNext() {
        guard !queue.isEmpty else { return }
        queue.removeFirst()()
    }

    /// Runs closures until none is waiting, including those queued meanwhile.
    func runAll() {
        while !queue.isEmpty { runNext() }
    }
}

/// `PasswordHashing` for race tests: a verification is decided at once (cheap cost) but its
/// answer is held back until the test releases it, like a hash still running on the pool.
final class SteppedPasswordHashing: PasswordHashing {
    private let eventLoop: EventLoop
    private var held: [() -> Void] = []

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Verifications whose answer is held back.
    var pending: Int { held.count }

    func hash(_ password: String) -> EventLoopFuture<String> {
        eventLoop.makeSucceededFuture(InlinePasswordHashing.cheap.hash(password))
    }

    func verify(_ password: String, against hash: String?) -> EventLoopFuture<Bool> {
        let promise = eventLoop.makePromise(of: Bool.self)
        let matches = InlinePasswordHashing.cheap.verify(password, against: hash ?? InlinePasswordHashing.cheap.hash("x"))
        held.append { promise.succeed(matches && hash != nil) }
        return promise.futureResult
    }

    /// Lets the oldest held verification answer.
    func finishNext() {
        guard !held.isEmpty else { return }
        held.removeFirst()()
    }
}
