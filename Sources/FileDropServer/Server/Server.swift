import FileDropAuth
import FileDropStorage
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The FileDrop HTTP server: one event-loop thread serving every connection, one storage
/// thread owning the database, and a small pool for password hashing.
///
/// `start` binds and returns; `shutdown` stops accepting, lets in-flight requests finish
/// (up to 30 s), checkpoints the WAL and closes the database.
public final class Server {
    public let configuration: ServerConfiguration
    private let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private let eventLoop: EventLoop
    private let storage: StorageExecutor
    private let hashing: HashingPool
    private let context: ServerContext
    private let refresher: AccountRefresher
    private let tracker: ConnectionTracker
    private var serverChannel: Channel?

    /// The address actually bound (the real port when 0 was asked for).
    public private(set) var boundAddress: (host: String, port: Int)?

    /// Opens the database (creating it when missing) and cleans up after any crash; does not
    /// listen yet.
    public init(configuration: ServerConfiguration, key: [UInt8], logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        eventLoop = group.next()
        do {
            storage = try StorageExecutor.open(path: configuration.databasePath, eventLoop: eventLoop)
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        hashing = HashingPool(threads: 2)
        context = ServerContext(
            configuration: configuration, eventLoop: eventLoop, storage: storage, hashing: hashing,
            key: key, logger: logger, now: { Clock.unixTime() }
        )
        refresher = AccountRefresher(context: context)
        tracker = ConnectionTracker(maxConnections: configuration.maxConnections)
    }

    /// On a database without users, creates `name` with a random password and returns the
    /// password (to be shown once); nil when users exist.
    public func createFirstUserIfNone(name: String) throws -> String? {
        let hashing = self.hashing
        let eventLoop = self.eventLoop
        return try storage.run(on: eventLoop) { storage -> String? in
            guard try storage.users.count() == 0 else { return nil }
            let password = Base64URL.encode(Crypto.randomBytes(15))
            let hash = try hashing.run(on: eventLoop) { PasswordHasher().hash(password) }.wait()
            try storage.users.add(name: name, passwordHash: hash, now: Clock.unixSeconds())
            return password
        }.wait()
    }

    /// Removes what crashed uploads left, loads accounts, binds, and starts serving.
    public func start() throws {
        let removed = try storage.run(on: eventLoop) { try $0.files.removeIncompleteUploads() }.wait()
        if removed > 0 {
            logger.info("removed \(removed) incomplete upload(s) left by an earlier run")
        }
        try refresher.start()
        let context = self.context
        let tracker = self.tracker
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.pipeline.addHandler(tracker)
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                Self.configure(channel, context: context)
            }
        let channel = try bootstrap.bind(host: configuration.host, port: configuration.port).wait()
        serverChannel = channel
        let port = channel.localAddress?.port ?? configuration.port
        boundAddress = (configuration.host, port)
        let shownHost = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        logger.info("listening on http://\(shownHost):\(port)")
    }

    /// The per-connection pipeline: timeouts, the HTTP/1.1 codec with its limits, the handler.
    static func configure(_ channel: Channel, context: ServerContext) -> EventLoopFuture<Void> {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = 16 * 1024
        limits.maxHeaderFieldSize = 16 * 1024
        limits.maxHeaderFieldCount = 200
        return channel.eventLoop.makeCompletedFuture {
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(RequestStartDetector())
            try sync.configureHTTPServerPipeline(
                withPipeliningAssistance: true,
                withErrorHandling: false,
                withEncoderConfiguration: .init(),
                withDecoderLimitConfiguration: limits
            )
            try sync.addHandler(TimeoutHandler())
            try sync.addHandler(HTTPHandler(server: context))
        }
    }

    /// Stops accepting, lets in-flight requests finish (at most `grace`), then checkpoints the
    /// WAL, closes the database and stops every thread. Blocks the calling thread.
    public func shutdown(grace: TimeAmount = .seconds(30)) {
        logger.info("shutting down: finishing in-flight requests")
        if let serverChannel {
            try? serverChannel.close().wait()
        }
        let tracker = self.tracker
        let eventLoop = self.eventLoop
        try? eventLoop.flatSubmit { tracker.quiesce(eventLoop: eventLoop, deadline: grace) }.wait()
        try? eventLoop.submit { self.refresher.stop() }.wait()
        storage.close(eventLoop: eventLoop)
        hashing.shutdown()
        try? group.syncShutdownGracefully()
        logger.info("stopped; database checkpointed and closed")
    }
}

/// The wall clock, read in one place.
public enum Clock {
    public static func unixTime() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    public static func unixSeconds() -> Int64 {
        Int64(unixTime().rounded(.down))
    }
}

/// The version `--version` prints.
public enum FileDropVersion {
    public static let current = "0.1.0"
}
