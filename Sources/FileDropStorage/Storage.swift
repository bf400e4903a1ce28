import FileDropSystem

/// The FileDrop database: one SQLite file holding users, revoked tokens, files and links.
///
/// Opening it creates the file when missing and brings the schema up to date. Like
/// `Database`, it must be used from one thread only (the server keeps it on its storage
/// thread), so it is not `Sendable`. The connection itself stays inside this module: callers
/// get named operations (`files`, `users`, `ping()`, `dataVersion()`, the maintenance steps),
/// never raw SQL.
public final class Storage {
    let database: Database
    public let files: FileStore
    public let users: UserStore
    public let shareLinks: ShareLinkStore
    public let dropLinks: DropLinkStore
    /// Resumable (tus) uploads.
    public let uploads: TusStore

    /// - Parameters:
    ///   - minimumFreeBytes: free disk space that chunk writes leave on the database's file
    ///     system (`--min-free-space`); 0 turns the check off.
    ///   - emergencyReserve: bytes held back in `PATH-reserve` so that deletes work on a full
    ///     disk (`EmergencyReserve`); 0 for none. Made now when the disk has room for it.
    ///   - checkpointOnClose: false under Litestream: this connection then never
    ///     checkpoints, not even when it is the last one to close, and never cuts the `-wal`
    ///     file (`Database.leaveWALToLitestream`).
    public init(path: String, minimumFreeBytes: Int64 = 0, emergencyReserve: Int64 = 0, checkpointOnClose: Bool = true) throws {
        database = try Database(path: path)
        if !checkpointOnClose { try database.leaveWALToLitestream() }
        try Migrations.run(on: database)
        // A database file created just now must have its directory entry on disk too, or
        // a power cut could lose the whole file along with uploads already acknowledged.
        // (SQLite syncs the directory of a new -wal file itself, not of the main file.)
        FileSystem.syncParentDirectory(of: path)
        let reserve = emergencyReserve > 0 ? EmergencyReserve(path: path + "-reserve", bytes: emergencyReserve) : nil
        files = FileStore(database: database, minimumFreeBytes: minimumFreeBytes, reserve: reserve)
        _ = try? files.restoreReserve()
        users = UserStore(database: database)
        shareLinks = ShareLinkStore(database: database)
        dropLinks = DropLinkStore(database: database)
        uploads = TusStore(database: database, files: files, dropLinks: dropLinks)
    }

    /// The default size of the emergency reserve the server keeps.
    public static let emergencyReserveBytes = EmergencyReserve.defaultBytes

    /// Runs a trivial query: proves the database answers (for the health check).
    public func ping() throws {
        _ = try database.scalarInt("SELECT 1")
    }

    /// Changes whenever another connection (another process) commits to this database.
    public func dataVersion() throws -> Int64 {
        try database.dataVersion()
    }

    /// Moves on every commit to the database (this connection's own too).
    public var commitCounter: UInt32 { database.commitCounter }

    /// Runs `body` in one transaction; with `durable`, the commit is synced to disk before
    /// this returns. See `Database.transaction(durable:_:)`.
    public func transaction<T>(durable: Bool = false, _ body: () throws -> T) throws -> T {
        try database.transaction(durable: durable, body)
    }

    /// Syncs the `-wal` file: commits made before with `durable: false` become durable.
    public func syncWAL() throws {
        try database.syncWAL()
    }

    /// The database file's path; its WAL is this plus `-wal`.
    public var path: String { database.path }

    /// Closes the connection. It checkpoints nothing itself: the server's checkpoints are
    /// `CheckpointConnection`'s, and SQLite checkpoints when the last connection closes
    /// (unless `checkpointOnClose` was false).
    public func close() {
        database.close()
    }
}

@available(*, unavailable)
extension Storage: Sendable {}
