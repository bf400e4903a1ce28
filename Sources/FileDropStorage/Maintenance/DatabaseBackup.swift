import CSQLite
import FileDropSystem

#if canImport(Glibc)
import Glibc
#endif

/// `app backup`: a consistent copy of the database in one self-contained SQLite file, made
/// with SQLite's online backup API while a server may be using the database.
///
/// The copy is one `sqlite3_backup_step(-1)`: all pages in one read transaction, so it is a
/// snapshot of one moment, and it always finishes. (Copying in several steps lets writers
/// commit in between, and each commit by another connection restarts the copy from the
/// first page: with uploads arriving steadily it might never end.) In WAL mode a reader
/// blocks no writer, so uploads go on meanwhile; only the checkpoints cannot pass the
/// snapshot until the copy is done, and they catch up afterwards.
///
/// The copy is written under a temporary name beside the destination (mode 0600), switched
/// to `journal_mode=DELETE` so that it needs no `-wal` file, checked with
/// `PRAGMA integrity_check`, synced, and only then given its name: the destination never
/// holds half a file, and an existing file is only replaced when `replace` is true.
public enum DatabaseBackup {
    public struct Result: Sendable {
        public var bytes: Int64
        public var pages: Int64
    }

    public enum Failure: Error, CustomStringConvertible, Sendable {
        case destinationExists(String)
        case cannotCreate(String, SystemError)
        case integrity(String)
        case database(DatabaseError)

        public var description: String {
            switch self {
            case .destinationExists(let path): "\(path) exists; add --force to replace it"
            case .cannotCreate(let path, let error): "cannot create \(path): \(SystemError.describe(error.code))"
            case .integrity(let text): "the copy failed its integrity check: \(text)"
            case .database(let error): "\(error)"
            }
        }
    }

    /// Copies the database `source` (an open `Storage`) to `destination`.
    public static func copy(from source: Storage, to destination: String, replace: Bool) throws(Failure) -> Result {
        if !replace, access(destination, F_OK) == 0 { throw .destinationExists(destination) }
        let temporary = destination + ".partial-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .cannotCreate(temporary, SystemError(code: errno)) }
        close(descriptor)
        var keep = false
        defer { if !keep { unlink(temporary) } }

        let copy: Database
        do {
            copy = try Database(path: temporary, configure: false)
        } catch {
            throw .database(error)
        }
        defer { copy.close() }
        do {
            try step(from: source.database, to: copy)
            _ = try copy.scalarText("PRAGMA journal_mode = DELETE")
            let verdict = try copy.scalarText("PRAGMA integrity_check")
            guard verdict == "ok" else { throw Failure.integrity(verdict) }
            let pages = try copy.scalarInt("PRAGMA page_count")
            copy.close()
            try publish(temporary, as: destination, replace: replace)
            keep = true
            return Result(bytes: FileSystem.size(of: destination), pages: pages)
        } catch let error as Failure {
            throw error
        } catch let error as DatabaseError {
            throw .database(error)
        } catch {
            throw .database(DatabaseError(code: SQLITE_ERROR, message: "\(error)"))
        }
    }

    /// All pages in one step, as one read transaction of the source.
    private static func step(from source: Database, to copy: Database) throws(DatabaseError) {
        guard let backup = sqlite3_backup_init(copy.handle, "main", source.handle, "main") else {
            throw DatabaseError(connection: copy.handle, sql: "sqlite3_backup_init")
        }
        var code = sqlite3_backup_step(backup, -1)
        // A writer holding the source's lock at the start (BUSY) is waited out as the busy
        // timeout would; after that the copy is one read and cannot be interrupted.
        var waited = 0
        while (code == SQLITE_BUSY || code == SQLITE_LOCKED) && waited < 500 {
            usleep(10_000)
            waited += 1
            code = sqlite3_backup_step(backup, -1)
        }
        let finished = sqlite3_backup_finish(backup)
        guard code == SQLITE_DONE, finished == SQLITE_OK else {
            throw DatabaseError(code: code == SQLITE_DONE ? finished : code, message: "backup did not finish", sql: "sqlite3_backup_step")
        }
    }

    /// Syncs the finished copy and gives it its name: without `replace` by a hard link, which
    /// fails rather than replace a file that appeared meanwhile.
    private static func publish(_ temporary: String, as destination: String, replace: Bool) throws(Failure) {
        let descriptor = open(temporary, O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 {
            _ = fsync(descriptor)
            close(descriptor)
        }
        if replace {
            guard rename(temporary, destination) == 0 else { throw .cannotCreate(destination, SystemError(code: errno)) }
        } else {
            guard link(temporary, destination) == 0 else {
                let code = errno
                throw code == EEXIST ? .destinationExists(destination) : .cannotCreate(destination, SystemError(code: code))
            }
            unlink(temporary)
        }
        FileSystem.syncParentDirectory(of: destination)
    }
}
