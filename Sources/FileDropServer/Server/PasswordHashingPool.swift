import FileDropAuth
import NIOCore
import NIOPosix

/// Runs scrypt off the event loop, on a small fixed pool of threads that run at a lower
/// scheduling priority, so that logins never delay other requests. It runs nothing else.
final class PasswordHashingPool: PasswordHashing, Sendable {
    private let pool: NIOThreadPool
    private let eventLoop: EventLoop
    private let hasher: PasswordHasher

    init(threads: Int, eventLoop: EventLoop, hasher: PasswordHasher = PasswordHasher()) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        self.eventLoop = eventLoop
        self.hasher = hasher
    }

    func hash(_ password: String) -> EventLoopFuture<String> {
        let hasher = self.hasher
        return pool.runIfActive(eventLoop: eventLoop) {
            ThreadPriority.lowerCurrentThread()
            return hasher.hash(password)
        }
    }

    func verify(_ password: String, against hash: String?) -> EventLoopFuture<Bool> {
        let hasher = self.hasher
        return pool.runIfActive(eventLoop: eventLoop) {
            ThreadPriority.lowerCurrentThread()
            let matches = hasher.verify(password, against: hash ?? DummyHash.value)
            return matches && hash != nil
        }
    }

    /// Stops the threads. Blocks the calling thread.
    func shutdown() {
        try? pool.syncShutdownGracefully()
    }
}
