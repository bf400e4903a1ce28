/// Drop links: made by a user, found by the SHA-256 of their token, charged for every file
/// they receive, revoked by id. Revoking keeps the files received, and the link's row (marked
/// revoked, never found again), so that those files still count against its creator's quota.
public final class DropLinkStore {
    private let database: Database

    init(database: Database) {
        self.database = database
    }

    private static let columns =
        "id, seed, label, expires_at, max_files, max_bytes, files, bytes, created_by, created_at"

    public func create(
        tokenHash: [UInt8], seed: [UInt8], label: String, expiresAt: Int64, maxFiles: Int64?, maxBytes: Int64?,
        createdBy: String, now: Int64
    ) throws -> DropLinkRecord {
        let insert = try database.statement(
            """
            INSERT INTO drop_links (token_hash, seed, label, expires_at, max_files, max_bytes, created_by, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """
        )
        try insert.bind(tokenHash, at: 1)
        try insert.bind(seed, at: 2)
        try insert.bind(label, at: 3)
        try insert.bind(expiresAt, at: 4)
        try insert.bind(maxFiles, at: 5)
        try insert.bind(maxBytes, at: 6)
        try insert.bind(createdBy, at: 7)
        try insert.bind(now, at: 8)
        try insert.run()
        guard let record = try link(id: database.lastInsertRowID) else { throw FileStoreError.notFound }
        return record
    }

    /// Every drop link, newest first (all users share one space).
    public func all() throws -> [DropLinkRecord] {
        let query = try database.statement("SELECT \(Self.columns) FROM drop_links WHERE revoked_at IS NULL ORDER BY id DESC")
        defer { query.reset() }
        var links: [DropLinkRecord] = []
        while try query.step() {
            links.append(Self.record(from: query))
        }
        return links
    }

    public func link(id: Int64) throws -> DropLinkRecord? {
        let query = try database.statement("SELECT \(Self.columns) FROM drop_links WHERE id = ? AND revoked_at IS NULL")
        defer { query.reset() }
        try query.bind(id, at: 1)
        return try query.step() ? Self.record(from: query) : nil
    }

    /// The link whose token has this SHA-256; nil when unknown or revoked.
    public func link(tokenHash: [UInt8]) throws -> DropLinkRecord? {
        let query = try database.statement("SELECT \(Self.columns) FROM drop_links WHERE token_hash = ? AND revoked_at IS NULL")
        defer { query.reset() }
        try query.bind(tokenHash, at: 1)
        return try query.step() ? Self.record(from: query) : nil
    }

    /// Charges link `dropID` for a file of `size` bytes just stored as `fileID`, and marks the
    /// file as received through it. Meant for `FileStore.completeUpload`'s `alongside`, so
    /// that the charge and the file's completion commit together or not at all: this is the
    /// check no two uploads can pass together.
    /// - Throws: `LinkRefusal` when the link is revoked, expired, or past a limit.
    public func receive(fileID: Int64, size: Int64, dropID: Int64, now: Int64) throws {
        guard let link = try link(id: dropID) else { throw LinkRefusal.gone }
        if now >= link.expiresAt { throw LinkRefusal.expired }
        if let maxFiles = link.maxFiles, link.files >= maxFiles { throw LinkRefusal.noFilesLeft }
        if let maxBytes = link.maxBytes, link.bytes > maxBytes - size { throw LinkRefusal.noBytesLeft }
        let charge = try database.statement("UPDATE drop_links SET files = files + 1, bytes = bytes + ? WHERE id = ?")
        try charge.bind(size, at: 1)
        try charge.bind(dropID, at: 2)
        try charge.run()
        let mark = try database.statement("UPDATE files SET drop_id = ? WHERE id = ?")
        try mark.bind(dropID, at: 1)
        try mark.bind(fileID, at: 2)
        try mark.run()
    }

    /// Gives back the charge of an upload that link `dropID` took but never received: a
    /// resumable upload terminated or expired unfinished (`TusStore`). A stored file's charge
    /// is never given back.
    public func giveBack(size: Int64, dropID: Int64) throws {
        let refund = try database.statement(
            "UPDATE drop_links SET files = max(files - 1, 0), bytes = max(bytes - ?, 0) WHERE id = ?"
        )
        try refund.bind(size, at: 1)
        try refund.bind(dropID, at: 2)
        try refund.run()
    }

    /// Revokes link `id` at `now`; false when there was no such link (or it was revoked
    /// already). The files it received stay.
    public func revoke(id: Int64, now: Int64) throws -> Bool {
        let revoke = try database.statement("UPDATE drop_links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
        try revoke.bind(now, at: 1)
        try revoke.bind(id, at: 2)
        try revoke.run()
        return database.changes == 1
    }

    private static func record(from row: Statement) -> DropLinkRecord {
        DropLinkRecord(
            id: row.int64(at: 0),
            seed: row.bytes(at: 1),
            label: row.string(at: 2),
            expiresAt: row.int64(at: 3),
            maxFiles: row.optionalInt64(at: 4),
            maxBytes: row.optionalInt64(at: 5),
            files: row.int64(at: 6),
            bytes: row.int64(at: 7),
            createdBy: row.string(at: 8),
            createdAt: row.int64(at: 9)
        )
    }
}

@available(*, unavailable)
extension DropLinkStore: Sendable {}
