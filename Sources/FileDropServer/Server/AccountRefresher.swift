import FileDropStorage
import NIOCore

/// Keeps the authenticator's account snapshot in step with the database.
///
/// Another process (`app user passwd`, `app user remove`) may change accounts while the
/// server runs. Twice a second the storage thread reads `PRAGMA data_version`, which changes
/// only when another connection has committed; only then are users and revocations reloaded.
/// So such a change takes effect within a second, at the cost of one cheap pragma per tick.
final class AccountRefresher {
    private let context: ServerContext
    private var task: RepeatedTask?
    /// Touched only on the storage thread.
    private final class VersionBox: @unchecked Sendable { var version: Int64? }
    private let lastVersion = VersionBox()

    static let interval = TimeAmount.milliseconds(500)

    init(context: ServerContext) {
        self.context = context
    }

    /// Loads the snapshot now (blocking the calling thread, at start-up), then keeps it fresh.
    func start() throws {
        let snapshot = try context.database { [lastVersion, context] storage in
            lastVersion.version = try storage.database.dataVersion()
            return try Self.load(from: storage, now: context.nowSeconds)
        }.wait()
        context.eventLoop.execute { self.context.authenticator.snapshot = snapshot }
        task = context.eventLoop.scheduleRepeatedAsyncTask(initialDelay: Self.interval, delay: Self.interval) { _ in
            self.refreshIfChanged()
        }
    }

    func stop() {
        task?.cancel()
    }

    /// Reloads when another connection wrote; also prunes revocations that expired.
    func refreshIfChanged(force: Bool = false) -> EventLoopFuture<Void> {
        context.database { [lastVersion, context] storage -> AccountSnapshot? in
            let version = try storage.database.dataVersion()
            guard force || version != lastVersion.version else { return nil }
            lastVersion.version = version
            return try Self.load(from: storage, now: context.nowSeconds)
        }.map { snapshot in
            if let snapshot { self.context.authenticator.snapshot = snapshot }
        }.recover { error in
            self.context.logger.error("could not reload accounts: \(error)")
        }
    }

    private static func load(from storage: Storage, now: Int64) throws -> AccountSnapshot {
        var snapshot = AccountSnapshot()
        for user in try storage.users.all() {
            snapshot.tokensValidAfter[user.name] = user.tokensValidAfter
        }
        // Tokens that expired (beyond the verifier's leeway) are refused anyway.
        snapshot.revoked = try storage.users.revokedTokens(expiredBefore: now - 60)
        return snapshot
    }
}
