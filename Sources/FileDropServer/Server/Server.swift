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
/// (up to 30 s), closes the database and, unless under `--litestream`, checkpoints the WAL
/// so that the `-wal` file is empty. A fourth thread, the checkpoint thread, copies the WAL
/// into the database file in the background (not under `--litestream`). Its methods are called from
/// the main thread; what lives on the event loop is reached only by hopping onto it.
public final class Server {
    /// The server's parts that live on its event loop.
    private struct LoopParts {
        let context: ServerContext
        let refresher: AccountRefresher
        let tracker: ConnectionTracker
        let sweeper: ExpirySweeper
        let checkpoints: CheckpointDriver?
    }

    public let configuration: ServerConfiguration
    private let logger: Logger
    private let clock: WallClock
    private let group: MultiThreadedEventLoopGroup
    private let eventLoop: EventLoop
    private let storage: StorageExecutor
    private let checkpointer: Checkpointer?
    private let passwords: PasswordHashingPool
    private let loopParts: NIOLoopBoundBox<LoopParts>
    private var serverChannel: Channel?

    /// The address actually bound (the real port when 0 was asked for).
    public private(set) var boundAddress: (host: String, port: Int)?

    /// Opens the database (creating it when missing) and cleans up after any crash; does not
    /// listen yet.
    public init(configuration: ServerConfiguration, key: [UInt8], logger: Logger, clock: WallClock = .system) throws {
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        eventLoop = group.next()
        do {
            storage = try StorageExecutor.open(
                path: configuration.databasePath, minimumFreeBytes: configuration.minFreeSpace,
                checkpointOnClose: !configuration.litestream, eventLoop: eventLoop
            )
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        do {
            let storedHashes = try storage.run { try $0.users.passwordHashes() }.wait()
            passwords = PasswordHashingPool(threads: 2, eventLoop: eventLoop, storedHashes: storedHashes)
        } catch {
            storage.close()
            try? group.syncShutdownGracefully()
            throw error
        }
        do {
            checkpointer = configuration.litestream ? nil : try Checkpointer.open(path: configuration.databasePath, eventLoop: eventLoop)
        } catch {
            passwords.shutdown()
            storage.close()
            try? group.syncShutdownGracefully()
            throw error
        }
        let context = ServerContext(
            configuration: configuration, eventLoop: eventLoop, storage: storage, passwords: passwords,
            key: key, logger: logger, clock: clock
        )
        let (eventLoop, storage, checkpointer) = (self.eventLoop, self.storage, self.checkpointer)
        let checkpoints = checkpointer.map {
            CheckpointDriver(
                eventLoop: eventLoop, checkpointer: $0, storage: storage, statistics: storage.statistics,
                databasePath: configuration.databasePath, minFreeBytes: configuration.minFreeSpace, logger: logger
            )
        }
        let parts = LoopParts(
            context: context,
            refresher: AccountRefresher(
                eventLoop: eventLoop, storage: context.storage, authenticator: context.authenticator, clock: clock, logger: logger
            ),
            tracker: ConnectionTracker(
                maxConnections: configuration.maxConnections, maxPerAddress: configuration.maxConnectionsPerAddress,
                trustedProxies: context.trustedProxies
            ),
            sweeper: ExpirySweeper(
                eventLoop: eventLoop, storage: context.storage, space: context.space, maintenance: context.maintenance, clock: clock,
                logger: logger
            ),
            checkpoints: checkpoints
        )
        loopParts = .makeBoxSendingValue(parts, eventLoop: eventLoop)
    }

    /// On a database without users, creates `name` with a random password and returns the
    /// password (to be shown once); nil when users exist.
    public func createFirstUserIfNone(name: String) throws -> String? {
        let (passwords, now) = (self.passwords, clock.unixSeconds)
        return try storage.run { storage -> String? in
            guard try storage.users.count() == 0 else { return nil }
            let password = Base64URL.encode(Crypto.randomBytes(15))
            let hash = try passwords.hash(password).wait()
            try storage.users.add(name: name, passwordHash: hash, now: now)
            return password
        }.wait()
    }

    /// Hands what crashed uploads left to the reclaim task, loads accounts, starts the
    /// maintenance, binds, and starts serving.
    public func start() throws {
        let storage = self.storage
        do {
            let removed = try storage.run { try $0.files.sweepIncompleteUploads(startedBefore: .max) }.wait()
            if removed > 0 {
                logger.info("removing \(removed) incomplete upload(s) left by an earlier run")
            }
        } catch  where error.isOutOfSpace {
            // Serving what is stored matters more: the periodic sweep tries again.
            logger.error("could not remove incomplete uploads left by an earlier run: the disk is full")
        }
        let loopParts = self.loopParts
        try eventLoop.flatSubmit { loopParts.value.refresher.start() }.wait()
        try eventLoop.flatSubmit { loopParts.value.context.space.start() }.wait()
        try eventLoop.submit {
            let parts = loopParts.value
            let maintenance = parts.context.maintenance
            parts.context.metrics.storage = storage.statistics
            if let checkpoints = parts.checkpoints {
                let metrics = parts.context.metrics
                checkpoints.onPass = { outcome in
                    guard let outcome else { return metrics.recordCheckpoint("failed") }
                    metrics.recordCheckpoint(
                        outcome.truncated ? "truncated" : outcome.complete ? "complete" : outcome.copy.busy ? "busy" : "partial"
                    )
                }
                let context = parts.context
                let tick = {
                    checkpoints.tick(
                        tasksWaitingForWAL: maintenance.hasWaitingTasks,
                        streamingUploads: context.uploadsStreaming()
                    )
                }
                maintenance.onTick = tick
                context.routes.uploads.commits.afterGroup(on: context.routes.eventLoop, tick)
            }
            maintenance.start()
            maintenance.wake(StorageMaintenance.reclaimName)
            parts.sweeper.start()
        }.wait()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(loopParts.value.tracker)
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // At most 4 reads of at most 64 KiB (the adaptive allocator's largest) per wake-up:
            // what a connection may read after it was asked to pause is bounded by that
            // (`ChunkWriter.reserveAheadRoom`).
            .childChannelOption(.maxMessagesPerRead, value: 4)
            .childChannelInitializer { channel in
                let parts = loopParts.value
                return Self.configure(channel, context: parts.context, activity: parts.tracker.activity(of: channel))
            }
        let channel = try bootstrap.bind(host: configuration.host, port: configuration.port).wait()
        serverChannel = channel
        let port = channel.localAddress?.port ?? configuration.port
        boundAddress = (configuration.host, port)
        let shownHost = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        logger.info("listening on http://\(shownHost):\(port)")
        if checkpointer != nil {
            // The first burst of commits after a start overwrites, as later ones do (not under
            // Litestream, which reads the -wal file itself).
            let logger = self.logger
            storage.run { try $0.extendWAL(to: CheckpointPolicy.walRecycleBytes + (1 << 20)) }.whenFailure { error in
                logger.warning("could not prepare the -wal file: \(error)")
            }
        }
        // From here on log lines are written once per event-loop tick, not one by one.
        let eventLoop = self.eventLoop
        LogOutput.standardError.batch { flush in eventLoop.execute(flush) }
    }

    /// The per-connection pipeline: timeouts, the HTTP/1.1 codec with its limits, the handler.
    /// Runs on the channel's event loop, which is the server's one loop. `activity` is the
    /// connection's record in the `ConnectionTracker` (a fresh one for a channel outside it).
    static func configure(_ channel: Channel, context: ServerContext, activity: ConnectionActivity? = nil) -> EventLoopFuture<Void> {
        let activity =
            activity
            ?? ConnectionActivity(
                address: channel.remoteAddress?.ipAddress ?? "-", standing: .receivingHead(bytes: 0, since: channel.eventLoop.now)
            )
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = 16 * 1024
        limits.maxHeaderFieldSize = 16 * 1024
        limits.maxHeaderFieldCount = 200
        do {
            let sync = channel.pipeline.syncOperations
            let timeouts = TimeoutHandler(limits: context.limits, activity: activity)
            try sync.addHandler(RequestStartDetector(timeouts: timeouts))
            try sync.configureHTTPServerPipeline(
                withPipeliningAssistance: true,
                withErrorHandling: false,
                withEncoderConfiguration: .init(),
                withDecoderLimitConfiguration: limits
            )
            try sync.addHandler(timeouts)
            try sync.addHandler(HTTPHandler(server: context))
            return channel.eventLoop.makeSucceededVoidFuture()
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
    }

    /// Closes the database and stops every thread without a word: for a start-up that failed
    /// (whose one error line is the caller's to print). Blocks the calling thread.
    public func abandonStart() {
        if let serverChannel {
            try? serverChannel.close().wait()
        }
        let loopParts = self.loopParts
        try? eventLoop.submit {
            loopParts.value.refresher.stop()
            loopParts.value.context.space.stop()
            loopParts.value.sweeper.stop()
            loopParts.value.context.maintenance.stop()
        }.wait()
        storage.close()
        _ = checkpointer?.finish()
        passwords.shutdown()
        try? group.syncShutdownGracefully()
    }

    /// Stops accepting, lets in-flight requests finish (at most `grace`), then closes the
    /// database, checkpoints the WAL (unless under Litestream) and stops every thread.
    /// Blocks the calling thread.
    public func shutdown(grace: TimeAmount = .seconds(30)) {
        logger.info("shutting down: finishing in-flight requests")
        if let serverChannel {
            try? serverChannel.close().wait()
        }
        let loopParts = self.loopParts
        try? eventLoop.flatSubmit { loopParts.value.tracker.quiesce(deadline: grace) }.wait()
        try? eventLoop.submit {
            loopParts.value.refresher.stop()
            loopParts.value.context.space.stop()
            loopParts.value.sweeper.stop()
            loopParts.value.context.maintenance.stop()
        }.wait()
        storage.close()
        LogOutput.standardError.stopBatching()  // before the event loop that flushes goes away
        // The storage connection is closed: nothing of this process writes any more, so the
        // last pass copies everything unless another process is reading.
        let outcome = checkpointer?.finish()
        passwords.shutdown()
        try? group.syncShutdownGracefully()
        switch outcome {
        case nil where checkpointer == nil:
            logger.info("stopped; database closed (checkpoints are left to Litestream)")
        case let outcome? where outcome.truncated:
            logger.info("stopped; database checkpointed and closed")
        case let outcome?:
            let copied = "\(outcome.copy.checkpointedFrames) of \(outcome.copy.walFrames) pages copied"
            logger.warning("stopped; database closed, but another connection is using it: the WAL stays (\(copied))")
        case nil:
            logger.warning("stopped; database closed, but the final checkpoint failed")
        }
    }
}
