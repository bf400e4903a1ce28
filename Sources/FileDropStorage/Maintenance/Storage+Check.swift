/// What `app check` reads: SQLite's own check of the file, and every stored file's content,
/// one file per read transaction (so a long check never holds one snapshot for its whole
/// run, and the server's checkpoints pass between two files).
extension Storage {
    /// `PRAGMA integrity_check`: `["ok"]`, or one line per problem SQLite found.
    public func integrityCheck() throws -> [String] {
        let statement = try Statement(connection: database.handle, sql: "PRAGMA integrity_check")
        var lines: [String] = []
        while try statement.step() { lines.append(statement.string(at: 0)) }
        return lines
    }

    /// Up to `limit` stored files with ids above `after`, by id.
    public func storedFiles(after: Int64, limit: Int) throws -> [FileRecord] {
        try files.records(after: after, limit: limit)
    }

    /// Calls `body` with each chunk of a stored file in order, inside one read transaction;
    /// returns the file's record as of that transaction, or nil when it is gone (deleted
    /// since it was listed).
    public func readContent(of id: Int64, _ body: (_ sequence: Int64, UnsafeRawBufferPointer) throws -> Void) throws -> FileRecord? {
        try database.readTransaction {
            // Expired files too (`now` before every expiry): their bytes are stored until swept.
            guard let record = try files.record(id: id, now: .min) else { return nil }
            try files.forEachChunk(of: id, body)
            return record
        }
    }
}
