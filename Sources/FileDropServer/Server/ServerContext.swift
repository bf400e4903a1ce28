import FileDropAuth
import FileDropStorage
import Logging
import NIOCore

/// Everything a request may need, shared by all connections.
///
/// The server has one event loop, so the mutable parts here (the authenticator's snapshot,
/// the login rate limiter) are only ever touched on that loop and need no locks.
final class ServerContext {
    let configuration: ServerConfiguration
    let eventLoop: EventLoop
    let storage: StorageExecutor
    let hashing: HashingPool
    let authenticator: Authenticator
    var loginLimiter = LoginRateLimiter()
    let passwordHasher = PasswordHasher()
    /// Signs listing cursors, so that only cursors this server issued are accepted.
    let cursorKey: [UInt8]
    let logger: Logger
    /// Unix time in seconds, with a fraction. Injected so tests can move time.
    let now: () -> Double

    init(
        configuration: ServerConfiguration, eventLoop: EventLoop, storage: StorageExecutor,
        hashing: HashingPool, key: [UInt8], logger: Logger, now: @escaping () -> Double
    ) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.storage = storage
        self.hashing = hashing
        self.authenticator = Authenticator(key: key, tokenTTL: configuration.tokenTTL)
        self.cursorKey = Crypto.hmacSHA256(key: key, message: Array("filedrop listing cursor".utf8))
        self.logger = logger
        self.now = now
    }

    var nowSeconds: Int64 { Int64(now().rounded(.down)) }
    var nowMilliseconds: Int64 { Int64((now() * 1000).rounded(.down)) }

    /// Runs database work on the storage thread; the future completes on the event loop.
    func database<T>(_ body: @escaping (Storage) throws -> T) -> EventLoopFuture<T> {
        storage.run(on: eventLoop, body)
    }
}
