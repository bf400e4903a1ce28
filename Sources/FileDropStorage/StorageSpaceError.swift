extension Error {
    /// The disk could not take what was being written: FileDrop's own free-space reserve
    /// (`FileStoreError.insufficientSpace`) or the file system itself (`SQLITE_FULL`,
    /// `ENOSPC`, `EDQUOT`). Such a failure is the client's 507 Insufficient Storage, never
    /// a 500: nothing was committed, and the database stays intact.
    public var isOutOfSpace: Bool {
        if let error = self as? FileStoreError { return error == .insufficientSpace }
        if let error = self as? DatabaseError { return error.isDiskFull }
        return false
    }
}
