/// What `PATCH /files/ID` may change: the description, the expiry, or both (nil: unchanged).
public struct FileChanges: Sendable, Equatable {
    public enum Expiry: Sendable, Equatable {
        case never
        /// Unix milliseconds.
        case at(Int64)
    }

    public var description: String?
    public var expiry: Expiry?

    public init(description: String? = nil, expiry: Expiry? = nil) {
        self.description = description
        self.expiry = expiry
    }
}

/// What one step of the expiry sweep did.
public struct ExpirySweep: Sendable, Equatable {
    /// The files taken out, with their uploader and size (for quota bookkeeping).
    public var removed: [FileRecord] = []
    /// Expired files remain: run another step soon.
    public var moreRemain = false
}

/// Changing stored files: editing, deleting, the expiry sweep, and the bytes each uploader's
/// files take.
extension FileStore {
    /// Changes a stored file's description and/or expiry, durably, and returns the record as
    /// it is now (also when the new expiry lies in the past: the file is gone from then on).
    ///
    /// - Throws: `FileStoreError.notFound` for an unknown, unfinished or expired file;
    ///   `.duplicateDescription` when another file has the description.
    public func update(id: Int64, changes: FileChanges, now: Int64) throws -> FileRecord {
        var assignments: [String] = []
        if changes.description != nil { assignments.append("description = ?1") }
        if changes.expiry != nil { assignments.append("expires_at = ?2") }
        guard !assignments.isEmpty else {
            guard let record = try record(id: id, now: now) else { throw FileStoreError.notFound }
            return record
        }
        do {
            try database.transaction(durable: true) {
                let update = try database.statement(
                    "UPDATE files SET \(assignments.joined(separator: ", ")) "
                        + "WHERE id = ?3 AND complete = 1 AND (expires_at IS NULL OR expires_at > ?4)"
                )
                if let description = changes.description { try update.bind(description, at: 1) }
                if case .at(let time)? = changes.expiry { try update.bind(time, at: 2) }  // unbound: NULL, never
                try update.bind(id, at: 3)
                try update.bind(now, at: 4)
                try update.run()
                guard database.changes == 1 else { throw FileStoreError.notFound }
            }
        } catch let error as DatabaseError where error.isUniqueConstraintViolation {
            throw FileStoreError.duplicateDescription
        }
        let query = try database.statement("SELECT \(Self.columns) FROM files WHERE id = ?")
        defer { query.reset() }
        try query.bind(id, at: 1)
        guard try query.step() else { throw FileStoreError.notFound }
        return Self.record(from: query)
    }

    /// Deletes a stored file; returns what was deleted, nil when there was no such file (or
    /// it had expired at `now`: the sweep removes it). One small write: the file is gone for
    /// every reader and its description free at once; its chunks are freed in the background
    /// (`purgeRemovedStep`) and the space given back after that (`reclaimStep`).
    public func delete(id: Int64, now: Int64) throws -> FileRecord? {
        try withRoomToDelete {
            try database.transaction { () throws -> FileRecord? in
                guard let record = try record(id: id, now: now) else { return nil }
                try markRemoved(id: id)
                return record
            }
        }
    }

    /// One bounded step of removing expired files: marks up to `maxFiles` files whose
    /// `expires_at` has passed as removed, oldest expiry first, as a delete does (their
    /// chunks are freed in the background). Readers stopped seeing these files at their
    /// expiry already; this frees their descriptions and hands their space over.
    public func sweepExpired(now: Int64, maxFiles: Int) throws -> ExpirySweep {
        precondition(maxFiles > 0)
        return try withRoomToDelete {
            try database.transaction { () throws -> ExpirySweep in
                var sweep = ExpirySweep()
                let expired = try database.statement(
                    """
                    SELECT \(Self.columns) FROM files WHERE complete = 1 AND expires_at <= ?
                    ORDER BY expires_at, id LIMIT ?
                    """
                )
                var candidates: [FileRecord] = []
                do {
                    defer { expired.reset() }
                    try expired.bind(now, at: 1)
                    try expired.bind(maxFiles + 1, at: 2)
                    while try expired.step() { candidates.append(Self.record(from: expired)) }
                }
                sweep.moreRemain = candidates.count > maxFiles
                for file in candidates.prefix(maxFiles) {
                    try markRemoved(id: file.id)
                    sweep.removed.append(file)
                }
                return sweep
            }
        }
    }

    /// Takes a stored file out of every listing and lookup and frees its description; its
    /// chunks wait for `purgeRemovedStep`.
    private func markRemoved(id: Int64) throws {
        let remove = try database.statement("UPDATE files SET complete = -1, description = NULL WHERE id = ? AND complete = 1")
        try remove.bind(id, at: 1)
        try remove.run()
    }

    /// Bytes of stored files per uploader, unfinished uploads included by what their rows
    /// say (`size`), expired files until the sweep marks them; deleted files not at all,
    /// although their chunks may not be freed yet. A guest's file (through a drop link)
    /// counts for the user who made the link (SPEC: quotas), revoked or not.
    public func bytesByUploader() throws -> [String: Int64] {
        let query = try database.statement(
            """
            SELECT coalesce(d.created_by, f.uploaded_by), sum(f.size) FROM files f LEFT JOIN drop_links d ON d.id = f.drop_id
            WHERE f.complete >= 0 GROUP BY 1
            """
        )
        defer { query.reset() }
        var usage: [String: Int64] = [:]
        while try query.step() {
            usage[query.string(at: 0)] = query.int64(at: 1)
        }
        return usage
    }
}
