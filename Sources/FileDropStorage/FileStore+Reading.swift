/// Reading stored files: one page of the newest-first listing (optionally a search), one
/// record, one chunk of content.
///
/// A file that has expired is gone for every reader from its `expires_at` on, whether or not
/// the sweep has deleted its rows yet: every query here takes the time and leaves it out.
extension FileStore {
    /// Up to `limit` stored files, newest first, starting after `cursor`; with a `search`
    /// that has words, only the files it matches. `now` is Unix milliseconds.
    public func list(limit: Int, after cursor: FileCursor? = nil, now: Int64, search: FileSearch? = nil) throws -> [FileRecord] {
        let searching = search.map { !$0.isEmpty } ?? false
        // Files stored since the last indexing are indexed first: a search misses nothing.
        if searching { try indexFilesForSearch() }
        var conditions = ["complete = 1", "(expires_at IS NULL OR expires_at > ?)"]
        if searching {
            // The matching rowids become a set once; the newest-first index is walked and stops
            // at the page's end. (`+id` keeps SQLite from looking each match up by id and then
            // sorting them all: with 10,000 files a one-letter search took 11 ms that way and
            // takes 0.7 ms this way; the worst case, a rare word, walks the whole index in 1 ms.)
            conditions.append("+id IN (SELECT rowid FROM files_search WHERE files_search MATCH ?)")
        }
        if cursor != nil {
            conditions.append("(created_at, id) < (?, ?)")
        }
        let query = try database.statement(
            "SELECT \(Self.columns) FROM files WHERE \(conditions.joined(separator: " AND ")) "
                + "ORDER BY created_at DESC, id DESC LIMIT ?"
        )
        defer { query.reset() }
        var index: Int32 = 1
        func bind(_ value: Int64) throws {
            try query.bind(value, at: index)
            index += 1
        }
        try bind(now)
        if searching, let search {
            try query.bind(search.matchExpression, at: index)
            index += 1
        }
        if let cursor {
            try bind(cursor.createdAt)
            try bind(cursor.id)
        }
        try bind(Int64(limit))
        var records: [FileRecord] = []
        while try query.step() {
            records.append(Self.record(from: query))
        }
        return records
    }

    /// The stored file with this id; nil when unknown, still uploading, or expired at `now`
    /// (Unix milliseconds).
    public func record(id: Int64, now: Int64) throws -> FileRecord? {
        let query = try database.statement(
            "SELECT \(Self.columns) FROM files WHERE id = ? AND complete = 1 AND (expires_at IS NULL OR expires_at > ?)"
        )
        defer { query.reset() }
        try query.bind(id, at: 1)
        try query.bind(now, at: 2)
        return try query.step() ? Self.record(from: query) : nil
    }

    /// Calls `body` with the bytes of one chunk; nil when there is no such chunk.
    public func withChunk<T>(
        fileID: Int64, sequence: Int64, _ body: (UnsafeRawBufferPointer) throws -> T
    ) throws -> T? {
        let query = try database.statement("SELECT data FROM chunks WHERE file_id = ? AND seq = ?")
        defer { query.reset() }
        try query.bind(fileID, at: 1)
        try query.bind(sequence, at: 2)
        guard try query.step() else { return nil }
        return try query.withBlob(at: 0, body)
    }
}
