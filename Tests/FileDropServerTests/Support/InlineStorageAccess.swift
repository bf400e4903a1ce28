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
