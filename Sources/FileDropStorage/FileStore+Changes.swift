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
    /// The files whose rows are gone, with their uploader and size (for quota bookkeeping).
    public var removed: [FileRecord] = []
    /// Chunk rows deleted, of removed files and of a file only partly removed so far.
    public var chunksDeleted = 0
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

    /// Deletes a stored file and gives its space back; returns what was deleted, nil when
    /// there was no such file (or it had expired at `now`: the sweep removes it).
    public func delete(id: Int64, now: Int64) throws -> FileRecord? {
        let deleted = try withRoomToDelete {
            try database.transaction { () throws -> FileRecord? in
                guard let record = try record(id: id, now: now) else { return nil }
                let delete = try database.statement("DELETE FROM files WHERE id = ? AND complete = 1")
                try delete.bind(id, at: 1)
                try delete.run()
                return record
            }
        }
        if deleted != nil { try reclaimAfterDelete() }
        return deleted
    }

    /// One bounded step of removing expired files: deletes up to `maxFiles` files whose
    /// `expires_at` has passed, oldest expiry first, and at most `maxChunks` chunk rows in
    /// all (a large file takes several steps: its last chunks go first, its row with the
    /// rest), then gives the space back as a delete does. Readers stopped seeing these files
    /// at their expiry already; this only frees their space.
    public func sweepExpired(now: Int64, maxFiles: Int, maxChunks: Int) throws -> ExpirySweep {
        precondition(maxFiles > 0 && maxChunks > 0)
        let sweep = try withRoomToDelete { try sweepStep(now: now, maxFiles: maxFiles, maxChunks: maxChunks) }
        if sweep.chunksDeleted > 0 || !sweep.removed.isEmpty { try reclaimAfterDelete() }
        return sweep
    }

    private func sweepStep(now: Int64, maxFiles: Int, maxChunks: Int) throws -> ExpirySweep {
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
                let budget = maxChunks - sweep.chunksDeleted
                let chunks = try chunkCount(fileID: file.id)
                if chunks > budget {
                    // Too large for what is left of this step: its last chunks now, the rest later.
                    if budget > 0 { sweep.chunksDeleted += try deleteLastChunks(fileID: file.id, count: budget) }
                    sweep.moreRemain = true
                    break
                }
                let delete = try database.statement("DELETE FROM files WHERE id = ?")
                try delete.bind(file.id, at: 1)
                try delete.run()
                sweep.chunksDeleted += chunks
                sweep.removed.append(file)
            }
            return sweep
        }
    }

    /// Bytes of stored files per uploader, unfinished uploads included by what their rows
    /// say (`size`), expired files until the sweep removes them.
    public func bytesByUploader() throws -> [String: Int64] {
        let query = try database.statement("SELECT uploaded_by, sum(size) FROM files GROUP BY uploaded_by")
        defer { query.reset() }
        var usage: [String: Int64] = [:]
        while try query.step() {
            usage[query.string(at: 0)] = query.int64(at: 1)
        }
        return usage
    }

    private func chunkCount(fileID: Int64) throws -> Int {
        let count = try database.statement("SELECT count(*) FROM chunks WHERE file_id = ?")
        defer { count.reset() }
        try count.bind(fileID, at: 1)
        return try count.step() ? Int(count.int64(at: 0)) : 0
    }

    private func deleteLastChunks(fileID: Int64, count: Int) throws -> Int {
        let delete = try database.statement(
            "DELETE FROM chunks WHERE rowid IN (SELECT rowid FROM chunks WHERE file_id = ? ORDER BY seq DESC LIMIT ?)"
        )
        try delete.bind(fileID, at: 1)
        try delete.bind(count, at: 2)
        try delete.run()
        return database.changes
    }
}
