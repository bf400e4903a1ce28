import CSQLite

/// A prepared statement. Owned by one `Database` and used on that database's thread only.
///
/// Values are bound by position (1-based, as in SQLite). Text and blobs are copied by
/// SQLite at bind time (`SQLITE_TRANSIENT`), so the caller's memory may go away at once.
///
/// It keeps only the raw connection handle, not its `Database`: the database caches its
/// statements, and a reference back would be a cycle that only `close()` breaks.
/// (`sqlite3_close_v2` waits for the last statement to be finalized, so a statement that
/// outlives its database's `close()` is still safe to free.)
public final class Statement {
    let handle: OpaquePointer
    private let connection: OpaquePointer
    public let sql: String

    init(connection: OpaquePointer, sql: String) throws(DatabaseError) {
        var handle: OpaquePointer?
        let code = sqlite3_prepare_v2(connection, sql, -1, &handle, nil)
        guard code == SQLITE_OK, let handle else {
            throw DatabaseError(connection: connection, sql: sql)
        }
        self.handle = handle
        self.connection = connection
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: Binding

    public func bind(_ value: Int64, at index: Int32) throws(DatabaseError) {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    public func bind(_ value: Int, at index: Int32) throws(DatabaseError) {
        try bind(Int64(value), at: index)
    }

    /// Binds an integer, or NULL for nil.
    public func bind(_ value: Int64?, at index: Int32) throws(DatabaseError) {
        guard let value else { return try check(sqlite3_bind_null(handle, index)) }
        try bind(value, at: index)
    }

    public func bind(_ value: String?, at index: Int32) throws(DatabaseError) {
        guard let value else { return try check(sqlite3_bind_null(handle, index)) }
        try bind(value, at: index)
    }

    public func bind(_ bytes: [UInt8], at index: Int32) throws(DatabaseError) {
        try check(bytes.withUnsafeBytes { bindBlob($0, at: index) })
    }

    public func bind(_ value: String, at index: Int32) throws(DatabaseError) {
        // The length is given: with -1 SQLite would stop at the first NUL, so "a\0b" would be
        // stored (and looked up) as "a".
        var text = value
        let code = text.withUTF8 { bytes -> Int32 in
            guard let base = bytes.baseAddress, bytes.count > 0 else {
                return sqlite3_bind_text(handle, index, "", 0, csqlite_transient())
            }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                sqlite3_bind_text(handle, index, $0, Int32(bytes.count), csqlite_transient())
            }
        }
        try check(code)
    }

    public func bind(_ bytes: UnsafeRawBufferPointer, at index: Int32) throws(DatabaseError) {
        try check(bindBlob(bytes, at: index))
    }

    private func bindBlob(_ bytes: UnsafeRawBufferPointer, at index: Int32) -> Int32 {
        // A zero-length blob must still be a blob, not NULL: SQLite wants a non-nil pointer.
        bytes.count == 0
            ? sqlite3_bind_zeroblob(handle, index, 0)
            : sqlite3_bind_blob64(handle, index, bytes.baseAddress, sqlite3_uint64(bytes.count), csqlite_transient())
    }

    // MARK: Stepping

    /// Steps once: `true` when a row is available, `false` when the statement is done.
    @discardableResult
    public func step() throws(DatabaseError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw DatabaseError(connection: connection, sql: sql)
        }
    }

    /// Runs the statement to completion, then resets it for reuse.
    public func run() throws(DatabaseError) {
        defer { reset() }
        while try step() {}
    }

    /// Resets the statement and clears its bindings so it can be run again.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Reading the current row

    public func int64(at column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    /// An integer column that may be NULL.
    public func optionalInt64(at column: Int32) -> Int64? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, column)
    }

    public func isNull(at column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    public func string(at column: Int32) -> String {
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// The bytes of a blob column, copied.
    public func bytes(at column: Int32) -> [UInt8] {
        withBlob(at: column) { Array($0) }
    }

    /// Calls `body` with the bytes of a blob column; valid only during the call.
    public func withBlob<T>(at column: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let pointer = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        return try body(UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    }

    private func check(_ code: Int32) throws(DatabaseError) {
        guard code == SQLITE_OK else { throw DatabaseError(connection: connection, sql: sql) }
    }
}

@available(*, unavailable)
extension Statement: Sendable {}
