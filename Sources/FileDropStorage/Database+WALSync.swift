import CSQLite

extension Database {
    /// Syncs the `-wal` file through SQLite's own handle for it (`SQLITE_FCNTL_JOURNAL_POINTER`,
    /// then its `xSync`, which also syncs the folder of a `-wal` file new to this connection):
    /// what commits made with `synchronous=NORMAL` wrote before is then as durable as a
    /// `synchronous=FULL` commit's. One sync makes several commits durable (group commit).
    public func syncWAL() throws(DatabaseError) {
        var file: UnsafeMutablePointer<sqlite3_file>?
        let code = sqlite3_file_control(handle, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file)
        guard code == SQLITE_OK else { throw DatabaseError(code: code, message: "cannot reach the WAL file", sql: nil) }
        guard let file, let methods = file.pointee.pMethods, let sync = methods.pointee.xSync else {
            return  // no WAL open: nothing was written since it was last synced and closed
        }
        let synced = sync(file, SQLITE_SYNC_NORMAL)
        guard synced == SQLITE_OK else {
            throw DatabaseError(code: synced, message: "syncing the WAL file failed", sql: nil)
        }
    }
}
