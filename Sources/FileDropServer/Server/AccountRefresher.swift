import FileDropStorage
import Logging
import NIOCore

/// Keeps the authenticator's account snapshot in step with the database.
///
/// Another process (`app user passwd`, `app user remove`, `app user quota`) may change accounts while the
/// server runs. Twice a second the storage thread reads `PRAGMA data_version`, which changes
/// only when another connection has committed; only then are users and revocations reloaded.
/// So such a change takes effect within a second, at the cost of one cheap pragma per tick.
/// A reload replaces which users exist but cannot undo what this server learnt meanwhile (a
/// newer validity start, a logout not stored yet): see `Authenticator.reloaded`.
///
/// Lives on the event loop: the last version seen and the snapshot are only touched there.
final class AccountRefresher {
    static let interval = TimeAmount.milliseconds(500)

    private let eventLoop: EventLoop
    private let storage: any StorageAccess
    private let authenticator: Authenticator
    private let clock: WallClock
    private let logger: Logger
    private var lastVersion: Int64?
    private var task: RepeatedTask?

    init(eventLoop: EventLoop, storage: any StorageAccess, authenticator: Authenticator, clock: WallClock, logger: Logger) {
        self.eventLoop = eventLoop
        self.storage = storage
        self.authenticator = authenticator
        self.clock = clock
        self.logger = logger
    }

    /// Loads the snapshot now, then keeps it fresh; the future fails if the first load does.
    func start() -> EventLoopFuture<Void> {
        eventLoop.preconditionInEventLoop()
        let loaded = reload(force: true)
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        task = eventLoop.scheduleRepeatedAsyncTask(initialDelay: Self.interval, delay: Self.interval) { _ in
            bound.value.refreshIfChanged()
        }
        return loaded
    }

    func stop() {
        eventLoop.preconditionInEventLoop()
        task?.cancel()
        task = nil
    }

    /// Reloads when another connection wrote; a failure is logged and the next tick retries.
    func refreshIfChanged() -> EventLoopFuture<Void> {
        let logger = self.logger
        return reload(force: false).recover { error in
            logger.error("could not reload accounts: \(error)")
        }
    }

    private func reload(force: Bool) -> EventLoopFuture<Void> {
        let known = force ? nil : lastVersion
        let now = clock.unixSeconds
        return storage.run { storage -> (version: Int64, snapshot: AccountSnapshot?) in
            let version = try storage.dataVersion()
            guard version != known else { return (version, nil) }
            return (version, try Self.load(from: storage, now: now))
        }.assumeIsolated().map { loaded in
            self.lastVersion = loaded.version
            if let snapshot = loaded.snapshot { self.authenticator.reloaded(snapshot, now: self.clock.unixSeconds) }
        }.nonisolated()
    }

    private static func load(from storage: Storage, now: Int64) throws -> AccountSnapshot {
        var snapshot = AccountSnapshot()
        for user in try storage.users.all() {
            snapshot.tokensValidAfter[user.name] = user.tokensValidAfter
            if let quota = user.quota, quota > 0 { snapshot.quotas[user.name] = quota }
        }
        // Tokens that expired (beyond the verifier's leeway) are refused anyway.
        try storage.users.pruneRevocations(expiredBefore: now - 60)
        snapshot.revoked = try storage.users.revokedTokenIDs()
        return snapshot
    }
}

@available(*, unavailable)
extension AccountRefresher: Sendable {}
