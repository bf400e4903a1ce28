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
    private(set) var isClosed = false
    private let busyTimeoutMilliseconds: Int32
    /// Frames in the WAL after this connection's last commit (SQLite's WAL hook): what the
    /// `-wal` file holds since it last started over, which its size no longer tells once a
    /// kept file is being overwritten.
    public private(set) var walFramesAfterLastCommit = 0
    /// The page size of this database file, read when it was opened.
    public private(set) var pageBytes = Int64(Database.pageSize)

    /// Files are stored as 1 MiB chunks, each spread over pages, and every commit writes each
    /// page it changed whole to the WAL. Large pages favour large files (fewer WAL frames
    /// and system calls per chunk); small pages favour small commits: a small upload changes
    /// about ten pages (its row, the file indexes, its chunk), so its sync writes about
    /// 85 KB at 8 KiB, 160 KB at 16 KiB, 650 KB at 64 KiB. Measured on the release build
    /// (2-core VM, issue #14), 8 KiB against 16 KiB: 10 KiB durable uploads one after another
    /// 1,535-1,663/s against 1,414-1,542/s, from 16 clients at once 3,475-3,765/s against
    /// 2,858-3,216/s; 1 GiB uploads the same within the noise (median of nine 556 against 566
    /// MB/s) for a quarter more CPU on the storage thread (1.33 against 1.08 s a GiB), where
    /// 4 KiB pages lose a quarter of the speed (280-380 MB/s); 1 GiB downloads the same
    /// (2.1-2.7 GB/s). Only a new database takes it: an existing file keeps the page size it
    /// was made with (64 KiB or 16 KiB for databases made by earlier versions).
    static let pageSize = 8_192
    /// The longest `-wal` file kept once the WAL starts over (`journal_size_limit`): one that
    /// the server keeps for a large upload's successor to overwrite (`WALReuse`) fits.
    public static let walSizeLimit: Int64 = 3 << 29

    /// - Parameter configure: false for a plain SQLite file that is not FileDrop's live
    ///   database (a backup's copy): none of the settings below are applied.
    public init(path: String, busyTimeoutMilliseconds: Int32 = 5_000, configure: Bool = true) throws(DatabaseError) {
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
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        sqlite3_extended_result_codes(handle, 1)
        waitForLocks()
        do {
            if configure { try self.configure() }
            pageBytes = try scalarInt("PRAGMA page_size")
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
        // settings), and the page size only before WAL is on. Set on a new one only: on an
        // existing file, setting auto_vacuum rewrites page 1 even when it changes nothing, a
        // WAL frame on every open (every start, every `app` command; under Litestream, a
        // frame to replicate each time).
        if try scalarInt("PRAGMA page_count") == 0 {
            try execute("PRAGMA page_size = \(Self.pageSize)")
            try execute("PRAGMA auto_vacuum = INCREMENTAL")
        }
        let mode = try scalarText("PRAGMA journal_mode = WAL")
        guard mode.lowercased() == "wal" else {
            throw DatabaseError(code: SQLITE_ERROR, message: "could not enable WAL (journal_mode is \(mode))")
        }
        try execute("PRAGMA foreign_keys = ON")
        try execute("PRAGMA synchronous = NORMAL")
        // Statement journals (the undo log of one statement inside a transaction) stay in
        // memory: on disk each one is a temp file created, written page by page and unlinked
        // again (measured at 64 KiB pages: ten page writes and four more system calls in every
        // small upload's commit).
        try execute("PRAGMA temp_store = MEMORY")
        // Debian's SQLite is built with SECURE_DELETE, which zeroes every freed page: deleting a
        // 100 MiB file would write 100 MiB of zeros to the WAL only to truncate them away.
        // FAST zeroes only what costs no extra I/O; the incremental vacuum then gives the
        // pages back to the file system, as deleting any file does.
        try execute("PRAGMA secure_delete = FAST")
        // Nothing checkpoints by itself: the server decides when (`CheckpointPolicy`), on its
        // own connection, and under Litestream nobody but Litestream checkpoints. SQLite's
        // default (a checkpoint inside the commit that passes 1000 pages) would put a copy of
        // the WAL on the critical path of whichever upload happened to cross the line.
        try execute("PRAGMA wal_autocheckpoint = 0")
        // Set after the pragma above, which clears any WAL hook; this one only counts.
        sqlite3_wal_hook(
            handle,
            { context, _, _, frames in
                Unmanaged<Database>.fromOpaque(context!).takeUnretainedValue().walFramesAfterLastCommit = Int(frames)
                return SQLITE_OK
            },
            Unmanaged.passUnretained(self).toOpaque()
        )
        // The first commit after the WAL starts over cuts a longer -wal file back to this; the
        // server's checkpoint thread truncates one it does not keep for reuse itself.
        try execute("PRAGMA journal_size_limit = \(Self.walSizeLimit)")
    }

    /// Leaves the WAL to Litestream: this connection never checkpoints (not even when it is
    /// the last one to close) and never cuts the `-wal` file (no `journal_size_limit`, which
    /// truncates it when the WAL restarts): Litestream follows the WAL by offset, and a file
    /// changed under it by anyone else costs a full snapshot of the database.
    public func leaveWALToLitestream() throws(DatabaseError) {
        let code = csqlite_disable_checkpoint_on_close(handle)
        guard code == SQLITE_OK else { throw DatabaseError(connection: handle, sql: "SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE") }
        try execute("PRAGMA journal_size_limit = -1")
    }

    /// Makes a statement that finds the database locked by another connection retry every
    /// millisecond until the busy timeout, rather than back off as SQLite's own handler does
    /// (sleeps growing to 100 ms): the locks FileDrop's connections take from each other (the
    /// checkpoint thread truncating the WAL, say) last a few milliseconds, and a request
    /// should go on as soon as the lock is free, not up to 100 ms later.
    private func waitForLocks() {
        guard busyTimeoutMilliseconds > 0 else {
            sqlite3_busy_timeout(handle, 0)
            return
        }
        let attempts = UnsafeMutableRawPointer(bitPattern: Int(busyTimeoutMilliseconds))
        sqlite3_busy_handler(
            handle,
            { limit, count in
                guard Int(count) < Int(bitPattern: limit) else { return 0 }
                usleep(1_000)
                return 1
            },
            attempts
        )
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

    /// Moves on every commit to the database, this connection's own included
    /// (`SQLITE_FCNTL_DATA_VERSION`; an incremental vacuum changes no row but commits pages,
    /// so counting changed rows would miss it). Reads a counter in memory, no system call.
    public var commitCounter: UInt32 {
        var version: UInt32 = 0
        sqlite3_file_control(handle, "main", SQLITE_FCNTL_DATA_VERSION, &version)
        return version
    }

    /// Runs `body` in a read transaction: everything it reads comes from one snapshot of the
    /// database, while writers (in WAL mode) go on.
    public func readTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN DEFERRED")
        defer { try? execute("COMMIT") }
        _ = try scalarInt("SELECT 1 FROM sqlite_schema LIMIT 1")  // the snapshot starts here
        return try body()
    }

    /// The number of rows the last INSERT, UPDATE or DELETE changed.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Changes whenever another connection (another process) commits to this database.
    public func dataVersion() throws(DatabaseError) -> Int64 {
        try scalarInt("PRAGMA data_version")
    }

    /// How far a checkpoint got (`sqlite3_wal_checkpoint_v2`).
    public struct CheckpointResult: Sendable, Equatable {
        /// Frames in the WAL when the checkpoint ran.
        public var walFrames: Int
        /// Of those, frames now copied into the database file.
        public var checkpointedFrames: Int
        /// Another connection held a lock the mode needed (a reader, or a writer for
        /// TRUNCATE): the checkpoint did what it could without waiting.
        public var busy: Bool

        public init(walFrames: Int, checkpointedFrames: Int, busy: Bool) {
            self.walFrames = walFrames
            self.checkpointedFrames = checkpointedFrames
            self.busy = busy
        }

        /// Every frame of the WAL is in the database file.
        public var isComplete: Bool { checkpointedFrames >= walFrames }
    }

    public enum CheckpointMode: Sendable {
        /// Copies what it can; takes no lock that blocks readers or writers.
        case passive
        /// Copies everything, then truncates the `-wal` file to zero bytes; needs the write
        /// lock and no reader in the WAL.
        case truncate
    }

    /// Runs a checkpoint that never waits: the busy timeout is 0 while it runs, so a lock
    /// held by anyone else (another process reading, Litestream) makes it stop where it is
    /// and report `busy` instead of blocking this thread for the busy timeout.
    public func checkpoint(_ mode: CheckpointMode) throws(DatabaseError) -> CheckpointResult {
        sqlite3_busy_timeout(handle, 0)
        defer { waitForLocks() }
        var walFrames: Int32 = 0
        var checkpointed: Int32 = 0
        let sqliteMode = mode == .passive ? SQLITE_CHECKPOINT_PASSIVE : SQLITE_CHECKPOINT_TRUNCATE
        let code = sqlite3_wal_checkpoint_v2(handle, nil, sqliteMode, &walFrames, &checkpointed)
        switch code & 0xFF {
        case SQLITE_OK:
            return CheckpointResult(walFrames: Int(max(0, walFrames)), checkpointedFrames: Int(max(0, checkpointed)), busy: false)
        case SQLITE_BUSY, SQLITE_LOCKED:
            return CheckpointResult(walFrames: Int(max(0, walFrames)), checkpointedFrames: Int(max(0, checkpointed)), busy: true)
        default:
            throw DatabaseError(connection: handle, sql: "wal_checkpoint(\(mode))")
        }
    }

    /// Pages on the free list: space that an incremental vacuum can give back.
    public func freePageCount() throws(DatabaseError) -> Int64 {
        try scalarInt("PRAGMA freelist_count")
    }

    /// Gives at most `pages` free pages back to the file system, moving pages that lie after
    /// the free ones into the holes (`PRAGMA incremental_vacuum(N)`); one transaction.
    /// Returns the number of pages the file shrank by.
    @discardableResult
    public func incrementalVacuum(pages: Int) throws(DatabaseError) -> Int64 {
        let before = try scalarInt("PRAGMA page_count")
        // The pragma returns a row per page freed: step through all of them.
        let statement = try Statement(connection: handle, sql: "PRAGMA incremental_vacuum(\(max(1, pages)))")
        while try statement.step() {}
        return before - (try scalarInt("PRAGMA page_count"))
    }
}

@available(*, unavailable)
extension Database: Sendable {}
