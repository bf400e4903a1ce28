/// Keeping the search index (`files_search`) up with the files, outside the uploads' commits.
///
/// A file is indexed when its id is at most `search_progress.indexed_through` (migration 6);
/// newer files wait for `indexFilesForSearch`, which indexes them oldest first, many in one
/// commit. The server calls it when idle and `list` calls it before every search, so a
/// search always sees every file stored before it began. Changes and deletes of indexed
/// files reach the index through the triggers, in the same commit; a file not indexed yet
/// is indexed with whatever it holds when its turn comes.
///
/// The index holds nothing that `files` does not: it needs no sync of its own (a commit lost
/// to a power cut takes its `indexed_through` with it, and the files are indexed again).
extension FileStore {
    /// Whether some file waits to be indexed. One read of two pages.
    public var hasFilesToIndex: Bool {
        get throws {
            let query = try database.statement(
                "SELECT coalesce((SELECT max(id) FROM files), 0) > (SELECT indexed_through FROM search_progress)"
            )
            defer { query.reset() }
            return try query.step() && query.int64(at: 0) != 0
        }
    }

    /// Indexes at most `limit` of the files waiting, oldest first, in one commit. Returns
    /// whether any file still waits.
    @discardableResult
    public func indexFilesForSearch(limit: Int = .max) throws -> Bool {
        guard try hasFilesToIndex else { return false }
        return try database.transaction {
            let progress = try database.statement(
                """
                SELECT indexed_through,
                       (SELECT max(id) FROM (SELECT id FROM files WHERE id > p.indexed_through ORDER BY id LIMIT ?)),
                       (SELECT max(id) FROM files)
                FROM search_progress AS p
                """
            )
            try progress.bind(limit, at: 1)
            let found = try progress.step() && !progress.isNull(at: 1)
            let (from, through, newest) = (progress.int64(at: 0), progress.int64(at: 1), progress.int64(at: 2))
            progress.reset()
            guard found else { return false }
            let index = try database.statement(
                """
                INSERT INTO files_search (rowid, description, filename)
                SELECT id, description, filename FROM files WHERE id > ? AND id <= ?
                """
            )
            try index.bind(from, at: 1)
            try index.bind(through, at: 2)
            try index.run()
            let advance = try database.statement("UPDATE search_progress SET indexed_through = ?")
            try advance.bind(through, at: 1)
            try advance.run()
            return through < newest
        }
    }
}
