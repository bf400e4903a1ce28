import CSQLite

#if canImport(Glibc)
import Glibc
#endif

/// An error reported by SQLite: its result code, its message, and the SQL that failed.
///
/// Bound values are never part of an error: they may be password hashes or file names,
/// and errors end up in logs.
public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_BUSY`, ...).
    public let code: Int32
    public let message: String
    public let sql: String?
    /// The `errno` of the system call behind an I/O error (0 when there was none).
    public let systemErrno: Int32

    public init(code: Int32, message: String, sql: String? = nil, systemErrno: Int32 = 0) {
        self.code = code
        self.message = message
        self.sql = sql
        self.systemErrno = systemErrno
    }

    /// The error SQLite last reported on `connection`, with its extended code and message.
    /// The system `errno` is kept only for errors that come from a system call (it is the
    /// connection's last one, which for other errors may be stale).
    init(connection: OpaquePointer, sql: String?) {
        let code = sqlite3_extended_errcode(connection)
        let primary = code & 0xFF
        let fromSystem = primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_CANTOPEN
        self.init(
            code: code, message: String(cString: sqlite3_errmsg(connection)), sql: sql,
            systemErrno: fromSystem ? sqlite3_system_errno(connection) : 0
        )
    }

    /// The primary result code (the low byte of the extended code).
    public var primaryCode: Int32 { code & 0xFF }

    public var isUniqueConstraintViolation: Bool { code == csqlite_constraint_unique() }

    /// The disk (or the user's disk quota) is full: SQLite's own `SQLITE_FULL`, or an I/O
    /// error whose system call failed with `ENOSPC` or `EDQUOT` (a write to the `-wal` or
    /// `-shm` file, say). Nothing was committed by the statement that failed.
    public var isDiskFull: Bool {
        primaryCode == SQLITE_FULL || (primaryCode == SQLITE_IOERR && (systemErrno == ENOSPC || systemErrno == EDQUOT))
    }

    public var description: String {
        var text = "SQLite error \(code): \(message)"
        if let sql { text += " (in: \(sql))" }
        if systemErrno != 0 { text += " [errno \(systemErrno)]" }
        return text
    }
}
