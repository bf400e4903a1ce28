/// Share links: made for a stored file, found by the SHA-256 of their token, counted on each
/// download, revoked by id. A file's links go with it (`ON DELETE CASCADE`).
public final class ShareLinkStore {
    private let database: Database

    init(database: Database) {
        self.database = database
    }

    private static let columns =
        "id, file_id, seed, expires_at, max_downloads, downloads, passphrase_hash, created_by, created_at"

    /// A new link for the stored file `fileID`; nil when there is no such file (or it expired).
    public func create(
        fileID: Int64, tokenHash: [UInt8], seed: [UInt8], expiresAt: Int64, maxDownloads: Int64?, passphraseHash: String?,
        createdBy: String, now: Int64
    ) throws -> ShareLinkRecord? {
        let insert = try database.statement(
            """
            INSERT INTO share_links (file_id, token_hash, seed, expires_at, max_downloads, passphrase_hash, created_by, created_at)
            SELECT id, ?, ?, ?, ?, ?, ?, ? FROM files WHERE id = ? AND complete = 1 AND (expires_at IS NULL OR expires_at > ?)
            """
        )
        try insert.bind(tokenHash, at: 1)
        try insert.bind(seed, at: 2)
        try insert.bind(expiresAt, at: 3)
        try insert.bind(maxDownloads, at: 4)
        try insert.bind(passphraseHash, at: 5)
        try insert.bind(createdBy, at: 6)
        try insert.bind(now, at: 7)
        try insert.bind(fileID, at: 8)
        try insert.bind(now, at: 9)
        try insert.run()
        guard database.changes == 1 else { return nil }
        return try link(id: database.lastInsertRowID)
    }

    /// The links of the stored file `fileID`, newest first; nil when there is no such file
    /// (or it expired at `now`).
    public func links(fileID: Int64, now: Int64) throws -> [ShareLinkRecord]? {
        guard try fileRecord(id: fileID, now: now) != nil else { return nil }
        let query = try database.statement("SELECT \(Self.columns) FROM share_links WHERE file_id = ? ORDER BY id DESC")
        defer { query.reset() }
        try query.bind(fileID, at: 1)
        var links: [ShareLinkRecord] = []
        while try query.step() {
            links.append(Self.record(from: query))
        }
        return links
    }

    public func link(id: Int64) throws -> ShareLinkRecord? {
        let query = try database.statement("SELECT \(Self.columns) FROM share_links WHERE id = ?")
        defer { query.reset() }
        try query.bind(id, at: 1)
        return try query.step() ? Self.record(from: query) : nil
    }

    /// The link whose token has this SHA-256, with its stored file; nil when unknown, revoked,
    /// or the file is gone (deleted, or expired at `now`). (The index lookup compares hashes,
    /// whose bytes a guesser cannot steer.)
    public func link(tokenHash: [UInt8], now: Int64) throws -> (link: ShareLinkRecord, file: FileRecord)? {
        let query = try database.statement("SELECT \(Self.columns) FROM share_links WHERE token_hash = ?")
        defer { query.reset() }
        try query.bind(tokenHash, at: 1)
        guard try query.step() else { return nil }
        let link = Self.record(from: query)
        return try fileRecord(id: link.fileID, now: now).map { (link, $0) }
    }

    /// Counts one download of link `id`, atomically: refused once the link is spent, so that
    /// at most `max_downloads` downloads are ever counted. The file's `downloads` goes up with
    /// the link's. With a limit the count is synced to disk before this returns, so a power cut
    /// cannot hand out a download twice; without one it is committed as usual.
    /// - Returns: the link and file as they were before this download was counted.
    public func countDownload(linkID: Int64, now: Int64) throws -> Result<(link: ShareLinkRecord, file: FileRecord), LinkRefusal> {
        guard let before = try link(id: linkID) else { return .failure(.gone) }
        return try database.transaction(durable: before.maxDownloads != nil) {
            guard let link = try link(id: linkID), let file = try fileRecord(id: link.fileID, now: now) else { return .failure(.gone) }
            if now >= link.expiresAt { return .failure(.expired) }
            if link.isSpent(now: now) { return .failure(.usedUp) }
            let counted = try database.statement("UPDATE share_links SET downloads = downloads + 1 WHERE id = ?")
            try counted.bind(linkID, at: 1)
            try counted.run()
            let fileCounted = try database.statement("UPDATE files SET downloads = downloads + 1 WHERE id = ?")
            try fileCounted.bind(link.fileID, at: 1)
            try fileCounted.run()
            return .success((link, file))
        }
    }

    /// Revokes link `id`; false when there was no such link.
    public func revoke(id: Int64) throws -> Bool {
        let delete = try database.statement("DELETE FROM share_links WHERE id = ?")
        try delete.bind(id, at: 1)
        try delete.run()
        return database.changes == 1
    }

    /// A stored file that has not expired at `now`: an expired file's links are 404, as its
    /// record and content are.
    private func fileRecord(id: Int64, now: Int64) throws -> FileRecord? {
        let query = try database.statement(
            "SELECT \(FileStore.columns) FROM files WHERE id = ? AND complete = 1 AND (expires_at IS NULL OR expires_at > ?)"
        )
        defer { query.reset() }
        try query.bind(id, at: 1)
        try query.bind(now, at: 2)
        return try query.step() ? FileStore.record(from: query) : nil
    }

    private static func record(from row: Statement) -> ShareLinkRecord {
        ShareLinkRecord(
            id: row.int64(at: 0),
            fileID: row.int64(at: 1),
            seed: row.bytes(at: 2),
            expiresAt: row.int64(at: 3),
            maxDownloads: row.optionalInt64(at: 4),
            downloads: row.int64(at: 5),
            passphraseHash: row.isNull(at: 6) ? nil : row.string(at: 6),
            createdBy: row.string(at: 7),
            createdAt: row.int64(at: 8)
        )
    }
}

@available(*, unavailable)
extension ShareLinkStore: Sendable {}
