import FileDropStorage
import Logging
import NIOCore

/// The one place every way in asks whether an upload fits: `POST /upload` today, resumable
/// uploads and drop-link uploads through the same calls. It holds the `SpaceLedger` (on the
/// event loop, where admission is decided), looks up each owner's quota in the account
/// snapshot (which `AccountRefresher` reloads when `app user quota` changes it), and keeps
/// the ledger's view of the database fresh: the free disk space every second, the stored
/// bytes per owner every few seconds (the server's own changes reach it at once through
/// `commit` and `removeStored`).
///
/// How an upload uses it: `reserve` before reading the body (its known length, or 0), `grow`
/// as bytes arrive past what was reserved, then `commit` with the stored size in the same
/// event-loop turn as the storage thread's answer, or `release` when it fails.
///
/// An upload that outlives its request (a resumable one) reserves its `Upload-Length` at
/// creation and commits it in the turn its row is stored with `size` = that length: from then
/// on the database counts it (`FileStore.bytesByUploader` sums every row, finished or not),
/// across restarts too; `removeStored` when it is terminated or expires. Whoever the bytes
/// are charged to is the `owner`: the signed-in user, or a drop link's creator.
final class SpaceGate {
    static let freeSpaceInterval = TimeAmount.seconds(1)
    /// Stored bytes are re-read every this many free-space looks, to catch changes made by
    /// code that does not report them (they are a sum over an index: cheap, not free).
    static let storedRefreshEvery = 5

    let eventLoop: EventLoop
    private let storage: any StorageAccess
    private let quotaOf: (String) -> Int64?
    private let logger: Logger
    private(set) var ledger: SpaceLedger
    private var task: RepeatedTask?
    private var ticks = 0

    init(
        limits: SpaceLedger.Limits, eventLoop: EventLoop, storage: any StorageAccess, logger: Logger,
        quotaOf: @escaping (String) -> Int64?
    ) {
        self.ledger = SpaceLedger(limits: limits)
        self.eventLoop = eventLoop
        self.storage = storage
        self.logger = logger
        self.quotaOf = quotaOf
    }

    // MARK: Uploads

    func reserve(owner: String, bytes: Int64) -> Result<SpaceLedger.Reservation, SpaceLedger.Refusal> {
        eventLoop.assertInEventLoop()
        return ledger.reserve(owner: owner, bytes: bytes, quota: quotaOf(owner))
    }

    func grow(_ reservation: SpaceLedger.Reservation, to bytes: Int64, owner: String) -> SpaceLedger.Refusal? {
        eventLoop.assertInEventLoop()
        return ledger.grow(reservation, to: bytes, quota: quotaOf(owner))
    }

    func release(_ reservation: SpaceLedger.Reservation) {
        eventLoop.assertInEventLoop()
        ledger.release(reservation)
    }

    /// Call in the event-loop turn that receives the storage thread's commit.
    func commit(_ reservation: SpaceLedger.Reservation, storedBytes: Int64) {
        eventLoop.assertInEventLoop()
        ledger.commit(reservation, storedBytes: storedBytes)
    }

    /// Stored files were removed; call in the turn that receives the storage thread's answer.
    /// A guest's file counts for the drop link's creator, whom its record does not name: the
    /// stored bytes are read again instead.
    func removeStored(_ files: [FileRecord]) {
        eventLoop.assertInEventLoop()
        for file in files where file.dropID == nil { ledger.removeStored(owner: file.uploadedBy, bytes: file.size) }
        if files.contains(where: { $0.dropID != nil }) {
            let logger = self.logger
            refresh(stored: true).whenFailure { logger.error("could not read the storage use: \($0)") }
        }
    }

    /// An unfinished resumable upload was removed (terminated or expired): its whole length,
    /// counted since its creation, no longer counts. Same turn rule as `removeStored`.
    func removeStored(owner: String, bytes: Int64) {
        eventLoop.assertInEventLoop()
        ledger.removeStored(owner: owner, bytes: bytes)
    }

    /// What `owner` uses and may use, for the page.
    func usage(of owner: String) -> (used: Int64, quota: Int64?) {
        (ledger.used(by: owner), quotaOf(owner).flatMap { $0 > 0 ? $0 : nil })
    }

    // MARK: Keeping fresh

    /// Reads stored bytes and free space now, then keeps them fresh; fails if the first read does.
    func start() -> EventLoopFuture<Void> {
        eventLoop.preconditionInEventLoop()
        let loaded = refresh(stored: true)
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        task = eventLoop.scheduleRepeatedAsyncTask(initialDelay: Self.freeSpaceInterval, delay: Self.freeSpaceInterval) { _ in
            bound.value.tick()
        }
        return loaded
    }

    func stop() {
        eventLoop.preconditionInEventLoop()
        task?.cancel()
        task = nil
    }

    /// One look: free space every time, stored bytes every few times. A failure is logged and
    /// the next tick tries again.
    private func tick() -> EventLoopFuture<Void> {
        ticks += 1
        let logger = self.logger
        return refresh(stored: ticks % Self.storedRefreshEvery == 0).recover { error in
            logger.error("could not read the storage use: \(error)")
        }
    }

    private func refresh(stored: Bool) -> EventLoopFuture<Void> {
        storage.run { storage -> (available: Int64, outOfRoom: Bool, stored: [String: Int64]?) in
            // A reserve given up to a full disk comes back once there is room (a stat when it is there).
            try storage.files.restoreReserve()
            let stored = stored ? try storage.files.bytesByUploader() : nil
            return (try storage.files.availableBytes(), storage.files.isOutOfRoom, stored)
        }.assumeIsolated().map { reading in
            self.ledger.setAvailableBytes(reading.outOfRoom ? 0 : reading.available, diskFull: reading.outOfRoom)
            if let stored = reading.stored { self.ledger.replaceStored(stored) }
        }.nonisolated()
    }
}

@available(*, unavailable)
extension SpaceGate: Sendable {}
