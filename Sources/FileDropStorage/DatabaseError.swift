import CSQLite

/// An error reported by SQLite: its result code, its message, and the SQL that failed.
///
/// Bound values are never part of an error: they may be password hashes or file names,
/// and errors end up in logs.
public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_BUSY`, ...).
    public let code: Int32
    public let message: String
    public let sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The error SQLite last reported on `connection`, with its extended code and message.
    init(connection: OpaquePointer, sql: String?) {
        self.init(code: sqlite3_extended_errcode(connection), message: String(cString: sqlite3_errmsg(connection)), sql: sql)
    }

    /// The primary result code (the low byte of the extended code).
    public var primaryCode: Int32 { code & 0xFF }

    public var isUniqueConstraintViolation: Bool { code == csqlite_constraint_unique() }

    public var description: String {
        var text = "SQLite error \(code): \(message)"
        if let sql { text += " (in: \(sql))" }
        return text
    }
}
