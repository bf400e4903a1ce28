import FileDropAuth
import FileDropStorage
import NIOCore

@testable import FileDropServer

/// `StorageAccess` for channel tests: runs each closure at once, on the calling thread (the
/// `EmbeddedEventLoop`'s), against a real SQLite file, and returns a completed future. So a
/// request that touches the database completes within one `writeInbound`.
final class InlineStorageAccess: StorageAccess {
    let storage: Storage
    private let eventLoop: EventLoop

    init(storage: Storage, eventLoop: EventLoop) {
        self.storage = storage
        self.eventLoop = eventLoop
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (Storage) throws -> T) -> EventLoopFuture<T> {
        eventLoop.assertInEventLoop()
        do {
            return eventLoop.makeSucceededFuture(try body(storage))
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }
}

/// `StorageAccess` for channel tests that must see what happens while the database has not
/// answered yet: closures wait in order until `runAll()` runs them (and whatever they lead to)
/// on the calling thread, as the storage thread would have.
final class DeferredStorageAccess: StorageAccess {
    private let storage: Storage
    private let eventLoop: EventLoop
    private var waiting: [() -> Void] = []

    init(storage: Storage, eventLoop: EventLoop) {
        self.storage = storage
        self.eventLoop = eventLoop
    }

    var pending: Int { waiting.count }

    func run<T: Sendable>(_ body: @escaping @Sendable (Storage) throws -> T) -> EventLoopFuture<T> {
        let promise = eventLoop.makePromise(of: T.self)
        let storage = self.storage
        waiting.append { promise.completeWith(Result { try body(storage) }) }
        return promise.futureResult
    }

    /// Runs every waiting closure, and those their results lead to, until none waits.
    func runAll() {
        while !waiting.isEmpty {
            waiting.removeFirst()()
        }
    }
}

/// `PasswordHashing` for channel tests: hashes inline, at the cheapest scrypt cost so a login
/// takes microseconds (verifying reads the cost from the hash, as in production).
final class InlinePasswordHashing: PasswordHashing {
    static let cheap = PasswordHasher(logN: 1, r: 1, p: 1)
    private let eventLoop: EventLoop

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    func hash(_ password: String) -> EventLoopFuture<String> {
        eventLoop.makeSucceededFuture(Self.cheap.hash(password))
    }

    func verify(_ password: String, against hash: String?) -> EventLoopFuture<Bool> {
        // An unknown user is checked against a cheap hash too, so the answer takes as long.
        let matches = Self.cheap.verify(password, against: hash ?? Self.cheap.hash("unknown user"))
        return eventLoop.makeSucceededFuture(matches && hash != nil)
    }
}
