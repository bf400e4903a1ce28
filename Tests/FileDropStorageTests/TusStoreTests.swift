import Testing

@testable import FileDropStorage

/// Resumable uploads in the database: the description reserved from creation, progress,
/// completion into an ordinary stored file, cutting back refused bytes, termination, expiry and
/// the start-up clean-up that keeps unexpired uploads.
@Suite struct TusStoreTests {
    private static let chunkSize = 4
    private static let emptyState: [UInt8] = [9, 9]

    private func newUpload(
        _ id: String, description: String = "notes", length: Int64 = 10, owner: UploadOwner = .user("ann")
    )
        -> NewTusUpload
    {
        NewTusUpload(
            id: id, owner: owner, length: length, description: description, filename: "a.bin", contentType: "application/x-test",
            metadata: "filename YS5iaW4=", expiresIn: 60
        )
    }

    private func create(_ database: TemporaryDatabase, _ upload: NewTusUpload, now: Int64 = 1000) throws -> TusUpload {
        try database.storage.uploads.create(upload, digestState: Self.emptyState, chunkSize: Self.chunkSize, now: now, expiresAt: now + 500)
    }

    /// Writes `bytes` as chunk rows from offset 0, as the chunk writer would.
    private func writeContent(_ database: TemporaryDatabase, fileID: Int64, _ bytes: [UInt8]) throws {
        for (sequence, start) in stride(from: 0, to: bytes.count, by: Self.chunkSize).enumerated() {
            try bytes[start..<min(start + Self.chunkSize, bytes.count)].withUnsafeBytes {
                try database.storage.files.writeChunk(fileID: fileID, sequence: Int64(sequence), bytes: $0)
            }
        }
    }

    private func rows(_ database: TemporaryDatabase, fileID: Int64) throws -> [[UInt8]] {
        var rows: [[UInt8]] = []
        while let row = try database.storage.files.withChunk(fileID: fileID, sequence: Int64(rows.count), { Array($0) }) {
            rows.append(row)
        }
        return rows
    }

    private func count(_ database: TemporaryDatabase, _ table: String) throws -> Int64 {
        try database.storage.database.scalarInt("SELECT count(*) FROM \(table)")
    }

    @Test func aNewUploadIsUnlistedAndReadBack() throws {
        let database = try TemporaryDatabase()
        let upload = try create(database, newUpload("u1"))
        #expect(upload.id == "u1")
        #expect(upload.ownerKey == "user:ann")
        #expect(upload.length == 10 && upload.offset == 0 && upload.digestState == Self.emptyState)
        #expect(upload.metadata == "filename YS5iaW4=" && upload.expiresIn == 60)
        #expect(upload.chunkSize == Self.chunkSize && upload.createdAt == 1000 && upload.expiresAt == 1500)
        #expect(!upload.isFinished && upload.isLive(now: 1499) && !upload.isLive(now: 1500))
        #expect(try database.storage.files.list(limit: 10, now: 1000).isEmpty)
        #expect(try database.storage.uploads.upload(id: "nope") == nil)
        // Its file row counts its whole length from now on (quotas).
        #expect(try database.storage.files.bytesByUploader() == ["ann": 10])
    }

    @Test func theDescriptionIsReservedAgainstUploadsAndStoredFiles() throws {
        let database = try TemporaryDatabase()
        _ = try create(database, newUpload("u1", description: "taken"))
        #expect(throws: FileStoreError.duplicateDescription) { _ = try create(database, newUpload("u2", description: "taken")) }
        #expect(try count(database, "tus_uploads") == 1)
        #expect(try count(database, "files") == 1)
        // A plain upload cannot take it either while the resumable one is unfinished.
        let files = database.storage.files
        let plain = try files.beginUpload(filename: "b", contentType: "t", uploadedBy: "bob", chunkSize: 4, now: 1)
        #expect(throws: FileStoreError.duplicateDescription) {
            _ = try files.completeUpload(fileID: plain, description: "taken", size: 0, sha256: "00", now: 2)
        }
    }

    @Test func progressAndCompletionMakeAnOrdinaryStoredFile() throws {
        let database = try TemporaryDatabase()
        let uploads = database.storage.uploads
        let upload = try create(database, newUpload("u1"))
        let content = Array(0..<10 as Range<UInt8>)
        try writeContent(database, fileID: upload.fileID, Array(content[..<6]))
        try uploads.saveProgress(id: "u1", offset: 6, digestState: [6], expiresAt: 2000)
        #expect(try uploads.commit(id: "u1", offset: 6, digestState: [6], expiresAt: 2100, completion: nil, now: 1100) == nil)
        #expect(try uploads.upload(id: "u1")?.offset == 6)
        #expect(try uploads.upload(id: "u1")?.expiresAt == 2100)

        // The next request completes the partial row 1 in place and adds row 2.
        try content[6..<8].withUnsafeBytes {
            try database.storage.files.writeChunk(fileID: upload.fileID, sequence: 1, bytes: $0, keepingFirst: 2)
        }
        try content[8...].withUnsafeBytes { try database.storage.files.writeChunk(fileID: upload.fileID, sequence: 2, bytes: $0) }
        #expect(try rows(database, fileID: upload.fileID) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        let record = try #require(
            try uploads.commit(
                id: "u1", offset: 10, digestState: [10], expiresAt: 2200, completion: TusCompletion(sha256: "abc", answeredUntil: 9000),
                now: 1200
            )
        )
        #expect(record.id == upload.fileID && record.description == "notes" && record.filename == "a.bin")
        #expect(record.size == 10 && record.sha256 == "abc" && record.createdAt == 1200 && record.uploadedBy == "ann")
        #expect(try database.storage.files.list(limit: 10, now: 1200) == [record])
        let finished = try #require(try uploads.upload(id: "u1"))
        #expect(finished.finishedAt == 1200 && finished.expiresAt == 9000 && finished.offset == 10)
        // Progress cannot be recorded on a finished upload.
        #expect(throws: FileStoreError.notFound) { try uploads.saveProgress(id: "u1", offset: 3, digestState: [], expiresAt: 1) }
    }

    @Test func anEmptyUploadIsStoredAtCreation() throws {
        let database = try TemporaryDatabase()
        let upload = try database.storage.uploads.create(
            newUpload("u0", length: 0), digestState: Self.emptyState, chunkSize: Self.chunkSize, now: 1000, expiresAt: 1500,
            completion: TusCompletion(sha256: "e3b0", answeredUntil: 5000)
        )
        #expect(upload.finishedAt == 1000 && upload.expiresAt == 5000)
        let record = try #require(try database.storage.files.record(id: upload.fileID, now: 1000))
        #expect(record.size == 0 && record.sha256 == "e3b0")
    }

    @Test(
        arguments: [
            (0, []), (3, [[0, 1, 2]]), (4, [[0, 1, 2, 3]]), (6, [[0, 1, 2, 3], [4, 5]]), (10, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]),
        ] as [(Int64, [[UInt8]])])
    func discardingCutsTheRowsBackToTheOffset(offset: Int64, expected: [[UInt8]]) throws {
        let database = try TemporaryDatabase()
        let uploads = database.storage.uploads
        let upload = try create(database, newUpload("u1"))
        try writeContent(database, fileID: upload.fileID, Array(0..<10 as Range<UInt8>))
        try uploads.saveProgress(id: "u1", offset: 10, digestState: [10], expiresAt: 1500)
        try uploads.discard(beyond: offset, of: try #require(try uploads.upload(id: "u1")), digestState: [UInt8(offset)])
        #expect(try rows(database, fileID: upload.fileID) == expected)
        let after = try #require(try uploads.upload(id: "u1"))
        #expect(after.offset == offset && after.digestState == [UInt8(offset)])
    }

    @Test func terminatingAnUnfinishedUploadRemovesItsBytes() throws {
        let database = try TemporaryDatabase()
        let upload = try create(database, newUpload("u1"))
        try writeContent(database, fileID: upload.fileID, Array(repeating: 7, count: 9))
        #expect(try database.storage.uploads.terminate(id: "u1") == .removed(TusStore.Removal(uploadedBy: "ann", bytes: 10)))
        #expect(try count(database, "tus_uploads") == 0)
        #expect(try database.storage.files.bytesByUploader().isEmpty)
        // The bytes go with the background reclaim, as a deleted file's do.
        _ = try database.reclaimAll()
        #expect(try count(database, "files") == 0)
        #expect(try count(database, "chunks") == 0)
        #expect(try database.storage.uploads.terminate(id: "u1") == nil)
        // The description is free again.
        _ = try create(database, newUpload("u2"))
    }

    @Test func terminatingAFinishedUploadKeepsTheFile() throws {
        let database = try TemporaryDatabase()
        let upload = try database.storage.uploads.create(
            newUpload("u0", length: 0), digestState: [], chunkSize: 4, now: 1, expiresAt: 2,
            completion: TusCompletion(sha256: "x", answeredUntil: 3)
        )
        #expect(try database.storage.uploads.terminate(id: "u0") == .forgotten)
        #expect(try database.storage.uploads.upload(id: "u0") == nil)
        #expect(try database.storage.files.record(id: upload.fileID, now: 1) != nil)
    }

    @Test func deletingAFinishedUploadsFileForgetsTheUpload() throws {
        let database = try TemporaryDatabase()
        let upload = try database.storage.uploads.create(
            newUpload("u0", length: 0), digestState: [], chunkSize: 4, now: 1, expiresAt: 2,
            completion: TusCompletion(sha256: "x", answeredUntil: 3)
        )
        #expect(try database.storage.files.delete(id: upload.fileID, now: 1) != nil)
        _ = try database.reclaimAll()
        #expect(try database.storage.uploads.upload(id: "u0") == nil)
    }

    @Test func theSweepRemovesExpiredUploadsInBoundedSteps() throws {
        let database = try TemporaryDatabase()
        let uploads = database.storage.uploads
        for index in 0..<5 {
            let upload = try create(database, newUpload("u\(index)", description: "d\(index)"), now: Int64(index))
            try writeContent(database, fileID: upload.fileID, [1, 2, 3, 4, 5])
        }
        _ = try uploads.create(
            newUpload("done", description: "done", length: 0), digestState: [], chunkSize: 4, now: 0, expiresAt: 1,
            completion: TusCompletion(sha256: "x", answeredUntil: 100)
        )
        // At 503 the uploads created at 0...3 have expired (500 after creation), and the finished
        // one's answer window (100) is over; u1 is being written. Oldest first, two at a time:
        let first = try uploads.sweepExpired(now: 503, excluding: ["u1"], limit: 2)  // done, u0
        #expect(first.looked == 2)
        #expect(first.removed == [TusStore.Removal(uploadedBy: "ann", bytes: 10)])  // done was finished: only forgotten
        #expect(try uploads.upload(id: "done") == nil)
        #expect(try uploads.upload(id: "u0") == nil)
        #expect(try uploads.sweepExpired(now: 503, excluding: ["u1"], limit: 10).looked == 3)  // u1 skipped, u2, u3
        #expect(try uploads.sweepExpired(now: 503, excluding: ["u1"], limit: 10).looked == 1)  // only u1 is left, skipped
        _ = try database.reclaimAll()
        #expect(try uploads.upload(id: "u1") != nil)
        #expect(try uploads.upload(id: "u4") != nil)
        #expect(try count(database, "files") == 3)  // u1, u4, and the finished upload's stored file
        #expect(try count(database, "chunks") == 4)
    }

    @Test func startUpKeepsUnexpiredUploadsAndRemovesTheRest() throws {
        let database = try TemporaryDatabase()
        let live = try create(database, newUpload("live", description: "live"), now: 1000)
        let stale = try create(database, newUpload("stale", description: "stale"), now: 100)
        try writeContent(database, fileID: live.fileID, [1, 2, 3, 4, 5])
        try writeContent(database, fileID: stale.fileID, [1, 2, 3, 4, 5])
        let plain = try database.storage.files.beginUpload(filename: "b", contentType: "t", uploadedBy: "bob", chunkSize: 4, now: 1)
        // The sweep of incomplete rows leaves resumable uploads alone (their own expiry removes them).
        #expect(try database.storage.files.sweepIncompleteUploads(startedBefore: .max) == 1)
        #expect(try database.storage.uploads.sweepExpired(now: 700, excluding: [], limit: 10).removed.count == 1)
        _ = try database.reclaimAll()
        #expect(try database.storage.uploads.upload(id: "live")?.fileID == live.fileID)
        #expect(try database.storage.uploads.upload(id: "stale") == nil)
        #expect(try database.storage.files.withChunk(fileID: plain, sequence: 0, { _ in 1 }) == nil)
        #expect(try rows(database, fileID: live.fileID) == [[1, 2, 3, 4], [5]])
    }

    @Test func ownersOfBothKindsHaveDistinctKeys() {
        #expect(UploadOwner.user("ann").key == "user:ann")
        #expect(UploadOwner.user("drop:1").key != UploadOwner.drop(id: 1, label: "x", createdBy: "ann").key)
        #expect(UploadOwner.drop(id: 7, label: "Scans", createdBy: "ann").uploadedBy == "drop:Scans")
        #expect(UploadOwner.user("ann").uploadedBy == "ann")
        #expect(UploadOwner.drop(id: 7, label: "Scans", createdBy: "bob").quotaOwner == "bob")
    }
}
