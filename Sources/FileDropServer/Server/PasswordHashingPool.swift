import FileDropAuth
import NIOCore
import NIOPosix

/// Runs scrypt off the event loop, on a small fixed pool of threads that run at a lower
/// scheduling priority, so that logins never delay other requests. It runs nothing else.
///
/// An unknown user name is checked against a dummy hash made when the pool starts, on the
/// pool, at the cost most stored hashes have: an unknown name costs as much as a wrong
/// password (timing tells no user names), from the first login on. Making it takes one
/// hash's time (about 0.1 s), so it runs while the server starts listening rather than
/// before: every password check waits for it, known names and unknown alike, so the first
/// logins are timed alike too, and nothing else waits.
final class PasswordHashingPool: PasswordHashing, Sendable {
    private let pool: NIOThreadPool
    private let eventLoop: EventLoop
    private let hasher: PasswordHasher
    /// A valid hash of a random password nobody knows, once it is made.
    private let dummyHash: EventLoopFuture<String>

    /// Starts the threads and begins making the dummy hash at the cost of `storedHashes`
    /// (the default cost when they have none).
    init(threads: Int, eventLoop: EventLoop, hasher: PasswordHasher = PasswordHasher(), storedHashes: [String]) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        self.eventLoop = eventLoop
        self.hasher = hasher
        let dummyHasher = PasswordHasher.commonCost(of: storedHashes) ?? hasher
        dummyHash = pool.runIfActive(eventLoop: eventLoop) {
            dummyHasher.hash(Base64URL.encode(Crypto.randomBytes(16)))
        }
    }

    func hash(_ password: String) -> EventLoopFuture<String> {
        let hasher = self.hasher
        return pool.runIfActive(eventLoop: eventLoop) {
            ThreadPriority.lowerCurrentThread()
            return hasher.hash(password)
        }
    }

    func verify(_ password: String, against hash: String?) -> EventLoopFuture<Bool> {
        let (hasher, pool, eventLoop) = (self.hasher, self.pool, self.eventLoop)
        return dummyHash.flatMap { dummyHash in
            pool.runIfActive(eventLoop: eventLoop) {
                ThreadPriority.lowerCurrentThread()
                let matches = hasher.verify(password, against: hash ?? dummyHash)
                return matches && hash != nil
            }
        }
    }

    /// Stops the threads. Blocks the calling thread.
    func shutdown() {
        try? pool.syncShutdownGracefully()
    }
}
