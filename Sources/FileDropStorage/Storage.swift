import FileDropSystem

/// The FileDrop database: one SQLite file holding users, revoked tokens and files.
///
/// Opening it creates the file when missing and brings the schema up to date. Like
/// `Database`, it must be used from one thread only (the server keeps it on its storage
/// thread), so it is not `Sendable`. The connection itself stays inside this module: callers
/// get named operations (`files`, `users`, `ping()`, `dataVersion()`), never raw SQL.
public final class Storage {
    let database: Database
    public let files: FileStore
    public let users: UserStore
    /// Resumable (tus) uploads.
    public let uploads: TusStore

    public init(path: String) throws {
        database = try Database(path: path)
        try Migrations.run(on: database)
        // A database file created just now must have its directory entry on disk too, or
        // a power cut could lose the whole file along with uploads already acknowledged.
        // (SQLite syncs the directory of a new -wal file itself, not of the main file.)
        FileSystem.syncParentDirectory(of: path)
        files = FileStore(database: database)
        users = UserStore(database: database)
        uploads = TusStore(database: database)
    }

    /// Runs a trivial query: proves the database answers (for the health check).
    public func ping() throws {
        _ = try database.scalarInt("SELECT 1")
    }

    /// Changes whenever another connection (another process) commits to this database.
    public func dataVersion() throws -> Int64 {
        try database.dataVersion()
    }

    /// Runs `body` in one transaction; with `durable`, the commit is synced to disk before
    /// this returns. See `Database.transaction(durable:_:)`.
    public func transaction<T>(durable: Bool = false, _ body: () throws -> T) throws -> T {
        try database.transaction(durable: durable, body)
    }

    /// Checkpoints the WAL (leaving an empty `-wal` file) and closes the database.
    public func close() {
        try? database.checkpoint()
        database.close()
    }
}

@available(*, unavailable)
extension Storage: Sendable {}
