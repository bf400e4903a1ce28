#if canImport(Glibc)
import Glibc
#endif

/// The FileDrop database: one SQLite file holding users, revoked tokens and files.
///
/// Opening it creates the file when missing and brings the schema up to date. Like
/// `Database`, it must be used from one thread only.
public final class Storage {
    public let database: Database
    public let files: FileStore
    public let users: UserStore

    public init(path: String) throws {
        database = try Database(path: path)
        try Migrations.run(on: database)
        // A database file created just now must have its directory entry on disk too, or
        // a power cut could lose the whole file along with uploads already acknowledged.
        // (SQLite syncs the directory of a new -wal file itself, not of the main file.)
        Self.syncDirectory(containing: path)
        files = FileStore(database: database)
        users = UserStore(database: database)
    }

    private static func syncDirectory(containing path: String) {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let descriptor = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        _ = Glibc.close(descriptor)
    }

    /// `PRAGMA auto_vacuum`: 2 means incremental.
    public func autoVacuumMode() throws -> Int64 {
        try database.pragmaInt("PRAGMA auto_vacuum")
    }

    /// `PRAGMA journal_mode`, `wal` once open.
    public func journalMode() throws -> String {
        try database.pragmaText("PRAGMA journal_mode")
    }

    /// `PRAGMA quick_check` answers `ok` for a sound file.
    public func quickCheck() throws -> Bool {
        try database.pragmaText("PRAGMA quick_check") == "ok"
    }

    /// Checkpoints the WAL (leaving an empty `-wal` file) and closes the database.
    public func close() {
        try? database.checkpoint()
        database.close()
    }
}
