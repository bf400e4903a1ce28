import CSQLite

#if canImport(Glibc)
import Glibc
#endif

/// One SQLite connection, opened on a file in WAL mode.
///
/// A `Database` is not thread-safe and does not try to be: it is created, used and closed
/// on one thread (the server keeps it on its one storage thread). What it does on open:
/// `auto_vacuum=INCREMENTAL` before the first table exists, `journal_mode=WAL` (verified from
/// the pragma's answer), `foreign_keys=ON`, `synchronous=NORMAL` (commits that must be
/// durable ask for a full sync themselves), and a busy timeout so that a second process,
/// such as `app user passwd`, waits for a lock rather than failing.
public final class Database {
    let handle: OpaquePointer
    public let path: String
    private var statements: [String: Statement] = [:]
    private var isClosed = false

    /// Files are stored as 1 MiB chunks, each spread over pages: with SQLite's largest page
    /// a chunk is 16 pages instead of 256, so fewer page writes, WAL frames and system calls.
    /// Measured on a 1 GiB upload: 4 KiB pages 330 MB/s, 64 KiB pages 490 MB/s.
    static let pageSize = 65_536

    /// Pages of `-wal` after which a commit checkpoints (see `configure`).
    static let autocheckpointPages = 512

    public init(path: String, busyTimeoutMilliseconds: Int32 = 5_000) throws(DatabaseError) {
        // Stored files are private: a new database is created readable by its owner only
        // (SQLite would use 0644), and SQLite gives its -wal and -shm files the same mode.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let handle { sqlite3_close_v2(handle) }
            throw DatabaseError(code: code, message: message)
        }
        self.handle = handle
        self.path = path
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        do {
            try configure()
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
    }

    private func configure() throws(DatabaseError) {
        // These two only take effect on a new, empty database (an existing file keeps its
        // settings), and the page size only before WAL is on.
        try execute("PRAGMA page_size = \(Self.pageSize)")
        try execute("PRAGMA auto_vacuum = INCREMENTAL")
        let mode = try scalarText("PRAGMA journal_mode = WAL")
        guard mode.lowercased() == "wal" else {
            throw DatabaseError(code: SQLITE_ERROR, message: "could not enable WAL (journal_mode is \(mode))")
        }
        try execute("PRAGMA foreign_keys = ON")
        try execute("PRAGMA synchronous = NORMAL")
        // Debian's SQLite is built with SECURE_DELETE, which zeroes every freed page: deleting a
        // 100 MiB file would write 100 MiB of zeros to the WAL only to truncate them away.
        // FAST zeroes only what costs no extra I/O; the incremental vacuum then gives the
        // pages back to the file system, as deleting any file does.
        try execute("PRAGMA secure_delete = FAST")
        // A checkpoint syncs the database file, so checkpointing every 4 MiB (SQLite's default
        // of 1000 pages) made a streaming upload wait for a sync every four chunks. Every
        // 512 pages (32 MiB at 64 KiB pages) keeps the -wal file small and the syncs rare; the
        // file is cut back to 64 MiB at most after a checkpoint, and to zero after deletes
        // and at shutdown.
        try execute("PRAGMA wal_autocheckpoint = \(Self.autocheckpointPages)")
        try execute("PRAGMA journal_size_limit = 67108864")
    }

    /// Closes the connection; later use is a programming error.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    // MARK: Running SQL

    /// Runs one or more statements that take no parameters and return no rows worth reading.
    public func execute(_ sql: String) throws(DatabaseError) {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw DatabaseError(connection: handle, sql: sql) }
    }

    /// A prepared statement for `sql`, reused across calls (statements are cached by text).
    public func statement(_ sql: String) throws(DatabaseError) -> Statement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        let statement = try Statement(connection: handle, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// The first column of the first row of a query or pragma, as text ("" when no row).
    public func scalarText(_ sql: String) throws(DatabaseError) -> String {
        let statement = try Statement(connection: handle, sql: sql)
        return try statement.step() ? statement.string(at: 0) : ""
    }

    /// The first column of the first row of a query or pragma, as an integer (0 when no row).
    public func scalarInt(_ sql: String) throws(DatabaseError) -> Int64 {
        let statement = try Statement(connection: handle, sql: sql)
        return try statement.step() ? statement.int64(at: 0) : 0
    }

    /// Runs `body` in a transaction (`BEGIN IMMEDIATE`, so a writer never fails half-way for a
    /// lock). Commits when it returns, rolls back when it throws.
    ///
    /// With `durable`, the commit is synced to disk before this returns (`synchronous=FULL`
    /// for this one commit), so that the caller may promise that the data survives power loss.
    public func transaction<T>(durable: Bool = false, _ body: () throws -> T) throws -> T {
        // The sync level cannot change inside a transaction: raise it around this one.
        if durable { try execute("PRAGMA synchronous = FULL") }
        defer { if durable { try? execute("PRAGMA synchronous = NORMAL") } }
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// The number of rows the last INSERT, UPDATE or DELETE changed.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Changes whenever another connection (another process) commits to this database.
    public func dataVersion() throws(DatabaseError) -> Int64 {
        try scalarInt("PRAGMA data_version")
    }

    /// Turns the checkpoints SQLite runs after commits off (while the disk is full: a
    /// checkpoint grows the database file into the room deletes need) or on again.
    public func setAutomaticCheckpoints(_ enabled: Bool) throws(DatabaseError) {
        try execute("PRAGMA wal_autocheckpoint = \(enabled ? Self.autocheckpointPages : 0)")
    }

    /// Copies the WAL into the database file and truncates the `-wal` file to zero bytes.
    public func checkpoint() throws(DatabaseError) {
        var logFrames: Int32 = 0
        var checkpointed: Int32 = 0
        let code = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_TRUNCATE, &logFrames, &checkpointed)
        guard code == SQLITE_OK else { throw DatabaseError(connection: handle, sql: "wal_checkpoint(TRUNCATE)") }
    }

    /// Gives free pages back to the file system (incremental vacuum), then checkpoints so that
    /// the `-wal` file shrinks as well.
    ///
    /// A checkpoint that finds another process reading (`SQLITE_BUSY`) is not an error: the
    /// caller's change is committed, and the next checkpoint shrinks the `-wal` file instead.
    public func reclaimSpace() throws(DatabaseError) {
        try execute("PRAGMA incremental_vacuum")
        do {
            try checkpoint()
        } catch  where error.primaryCode == SQLITE_BUSY {
            return
        }
    }

}

@available(*, unavailable)
extension Database: Sendable {}
