import FileDropAuth
import FileDropStorage
import Logging
import NIOCore

/// What the connections' handlers share: the routes, the authenticator, what uploads and
/// downloads need, the memory budget and slow-client limits, the clock and the log. Built
/// once per server.
///
/// It lives on the server's one event loop and is not `Sendable`: the mutable state it holds
/// (the authenticator's snapshot, the login gate) is only ever touched on that loop,
/// which the compiler checks at every hop (`assumeIsolated`, `NIOLoopBound`) and the state
/// asserts on each change. Each route group gets only the parts it needs.
final class ServerContext {
    let eventLoop: EventLoop
    /// The database, through `ChangeTrackingStorage`: every user of it keeps `listings` exact.
    let storage: any StorageAccess
    /// The first page of the file list, for `GET /` and `GET /files` without a hop.
    let listings = ListingCache()
    let authenticator: Authenticator
    let routes: Routes
    /// Whose forwarding headers are believed (`--trusted-proxy`).
    let trustedProxies: TrustedProxies
    /// Quotas, the storage limit and the free-space reserve, for every way in.
    let space: SpaceGate
    /// The uploads a request is writing to right now (tus); the expiry sweep skips them.
    let activeUploads: TusActiveWrites
    let clock: WallClock
    let logger: Logger
    /// `logger`'s handler when it is the server's own (`LogLineHandler`): access-log lines go
    /// to it directly (`AccessLog.record`), without a cast per request.
    let lineHandler: LogLineHandler?
    /// The one budget for buffered request and response bytes.
    let budget: MemoryBudget
    let limits: ConnectionLimits
    /// Background storage work in bounded steps; features register their own tasks.
    let maintenance: MaintenanceScheduler
    /// The incomplete uploads being written right now (kept from the periodic sweep).
    let liveUploads = LiveUploads()
    /// Whether some upload's body is streaming into storage now (a form upload over one
    /// chunk, a tus `PATCH`): checkpoints and the space reclaim wait for it.
    let uploadsStreaming: () -> Bool
    let metrics = ServerMetrics()
    /// Answers written from memory wait here for the end of the loop's tick, then go out together.
    let flushBatch: FlushBatch
    let metricsAccess: MetricsAccess

    init(
        configuration: ServerConfiguration, eventLoop: EventLoop, storage: any StorageAccess, passwords: any PasswordHashing,
        key: [UInt8], logger: Logger, clock: WallClock
    ) {
        self.eventLoop = eventLoop
        flushBatch = FlushBatch(eventLoop: eventLoop)
        let storage = ChangeTrackingStorage(storage, cache: listings)
        self.storage = storage
        self.clock = clock
        self.logger = logger
        lineHandler = logger.handler as? LogLineHandler
        trustedProxies = TrustedProxies(ranges: configuration.trustedProxies)
        let budget = MemoryBudget(capacity: configuration.memoryBudget, eventLoop: eventLoop)
        self.budget = budget
        self.limits = configuration.limits
        let maintenance = MaintenanceScheduler(eventLoop: eventLoop, storage: storage, logger: logger)
        maintenance.register(StorageMaintenance.sweepIncompleteUploads(live: liveUploads, clock: clock))
        maintenance.register(StorageMaintenance.indexFilesForSearch(listings: listings))
        self.maintenance = maintenance
        metricsAccess = MetricsAccess(token: configuration.metricsToken)
        maintenance.onStep = { [metrics] task, duration in metrics.recordStep(task: task, duration: duration) }
        let activeUploads = TusActiveWrites(eventLoop: eventLoop)
        self.activeUploads = activeUploads
        let uploadsStreaming = { [liveUploads] in liveUploads.count > 0 || !activeUploads.isEmpty }
        self.uploadsStreaming = uploadsStreaming
        maintenance.register(StorageMaintenance.reclaimSpace(litestream: configuration.litestream, uploadsStreaming: uploadsStreaming))
        let authenticator = Authenticator(key: key, tokenTTL: configuration.tokenTTL, eventLoop: eventLoop)
        self.authenticator = authenticator
        let space = SpaceGate(
            limits: SpaceLedger.Limits(maxStorage: configuration.maxStorage, minFreeSpace: configuration.minFreeSpace),
            eventLoop: eventLoop, storage: storage, logger: logger,
            quotaOf: { name in authenticator.snapshot.quotas[name] }
        )
        self.space = space
        maintenance.register(
            TusMaintenance.expireUploads(
                lifetimeSeconds: configuration.resumableTTL, eventLoop: eventLoop, active: activeUploads, space: space,
                maintenance: maintenance, clock: clock, logger: logger
            )
        )
        let lifetime = FileLifetime(defaultSeconds: configuration.defaultFileTTL, maxSeconds: configuration.maxFileTTL)
        // Signs listing cursors, so that only cursors this server issued are accepted.
        let cursorKey = Crypto.hmacSHA256(key: key, message: Array("filedrop listing cursor".utf8))
        let uploads = FormUpload.Environment(
            eventLoop: eventLoop, storage: storage, budget: budget, maxFileSize: configuration.maxUploadSize, lifetime: lifetime,
            space: space, clock: clock, logger: logger, liveUploads: liveUploads, maintenance: maintenance,
            commits: GroupCommit(eventLoop: eventLoop)
        )
        let shareTokens = LinkTokens(serverKey: key, kind: .share)
        let dropTokens = LinkTokens(serverKey: key, kind: .drop)
        routes = Routes(
            eventLoop: eventLoop,
            storage: storage,
            files: FileRoutes(
                eventLoop: eventLoop, storage: storage, listings: listings, cursorKey: cursorKey, lifetime: lifetime, space: space,
                clock: clock, maintenance: maintenance
            ),
            login: LoginRoutes(
                eventLoop: eventLoop, storage: storage, passwords: passwords, authenticator: authenticator,
                gate: .makeBoxSendingValue(LoginGate(eventLoop: eventLoop, clock: clock), eventLoop: eventLoop), clock: clock,
                logger: logger
            ),
            pages: PageRoutes(
                storage: storage, listings: listings, cursorKey: cursorKey, lifetime: lifetime, space: space, clock: clock,
                maxLinkTTL: configuration.maxLinkTTL
            ),
            uploads: uploads,
            tus: TusRoutes(
                eventLoop: eventLoop, storage: storage, maxFileSize: configuration.maxUploadSize, clock: clock, logger: logger,
                lifetimeMilliseconds: configuration.resumableTTL * 1000, active: activeUploads, space: space, fileLifetime: lifetime,
                maintenance: maintenance, budget: uploads.budget
            ),
            shareLinks: ShareLinkRoutes(
                eventLoop: eventLoop, storage: storage, passwords: passwords, tokens: shareTokens, clock: clock,
                maxLinkTTL: configuration.maxLinkTTL
            ),
            dropLinks: DropLinkRoutes(
                eventLoop: eventLoop, storage: storage, tokens: dropTokens, clock: clock, maxLinkTTL: configuration.maxLinkTTL
            ),
            sharedFiles: SharedFileRoutes(
                eventLoop: eventLoop, storage: storage, tokens: shareTokens,
                gate: PassphraseGate(eventLoop: eventLoop, passwords: passwords, serverKey: key, clock: clock), clock: clock
            ),
            drops: DropPageRoutes(
                eventLoop: eventLoop, storage: storage, tokens: dropTokens, clock: clock, uploads: uploads, running: DropUploads()
            ),
            metrics: MetricsRoutes(
                eventLoop: eventLoop, storage: storage, metrics: metrics, liveUploads: liveUploads, databasePath: configuration.databasePath
            )
        )
    }
}

@available(*, unavailable)
extension ServerContext: Sendable {}
