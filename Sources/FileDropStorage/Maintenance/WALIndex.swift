import CSQLite

/// What the wal-index says about the WAL (SQLite's file format, "The WAL-Index Format"; in
/// the machine's byte order): the page size (16 bits at byte 14 of the index header, 1 meaning
/// 65536), the frames the WAL holds since it last started over (`mxFrame`, 32 bits at byte 16)
/// and how many of them are copied into the database file (`nBackfill`, at byte 96).
///
/// It is exact where the `-wal` file's size is not: a file kept for reuse after a complete
/// copy is long, yet holds nothing that is not in the database file.
enum WALIndex {
    /// The bytes of frames (a page and its 24-byte header) not yet copied into the database
    /// file, from the index's first bytes.
    static func uncopiedBytes(header: UnsafeRawPointer) -> Int64 {
        let pageField = header.loadUnaligned(fromByteOffset: 14, as: UInt16.self)
        let frames = header.loadUnaligned(fromByteOffset: 16, as: UInt32.self)
        let copied = header.loadUnaligned(fromByteOffset: 96, as: UInt32.self)
        guard pageField != 0, frames > copied else { return 0 }
        let pageBytes: Int64 = pageField == 1 ? 65_536 : Int64(pageField)
        return Int64(frames - copied) * (pageBytes + 24)
    }
}

extension Database {
    /// Bytes of WAL frames not yet copied into the database file (`WALIndex`), read from this
    /// connection's own mapping of the wal-index (the VFS's `xShmMap`), without a lock: a
    /// hint, which the checkpoint policy reads again on its next tick. Nil when this
    /// connection has no wal-index mapped, or is closed (the storage thread's statistics read
    /// this after every job, the closing one too).
    ///
    /// Never through a descriptor of its own on the `-shm` file: closing it would drop every
    /// POSIX lock this process holds on that file, SQLite's included, and another process
    /// could then take the file for new and cut it under this one's mapping (SIGBUS).
    public var walUncopiedBytes: Int64? {
        guard !isClosed else { return nil }
        var file: UnsafeMutablePointer<sqlite3_file>?
        guard sqlite3_file_control(handle, "main", SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK, let file,
            let methods = file.pointee.pMethods, methods.pointee.iVersion >= 2, let map = methods.pointee.xShmMap
        else { return nil }
        var region: UnsafeMutableRawPointer?
        guard map(file, 0, 32_768, 0, &region) == SQLITE_OK, let region else { return nil }
        return WALIndex.uncopiedBytes(header: UnsafeRawPointer(region))
    }
}
