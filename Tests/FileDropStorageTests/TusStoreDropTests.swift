import Testing

@testable import FileDropStorage

/// Resumable uploads through a drop link in the database: charged to the link (one file, its
/// whole length) in the transaction that creates them, refused past the link's limits with
/// nothing made, counted against the link creator's quota, and given back when removed
/// unfinished (terminated or expired), but not once finished.
@Suite struct TusStoreDropTests {
    private func makeDrop(_ database: TemporaryDatabase, maxFiles: Int64? = nil, maxBytes: Int64? = nil) throws -> DropLinkRecord {
        try database.storage.dropLinks.create(
            tokenHash: Array(repeating: 7, count: 32), seed: [1], label: "Scans", expiresAt: 10_000, maxFiles: maxFiles,
            maxBytes: maxBytes, createdBy: "bob", now: 100
        )
    }

    private func create(
        _ database: TemporaryDatabase, _ drop: DropLinkRecord, id: String, length: Int64, now: Int64 = 1000,
        completion: TusCompletion? = nil
    ) throws -> TusUpload {
        let upload = NewTusUpload(
            id: id, owner: .drop(id: drop.id, label: drop.label, createdBy: drop.createdBy), length: length,
            description: "upload \(id)", filename: "a.bin", contentType: "application/octet-stream", metadata: "", expiresIn: nil
        )
        return try database.storage.uploads.create(
            upload, digestState: [1], chunkSize: 4, now: now, expiresAt: now + 500, completion: completion)
    }

    private func charged(_ database: TemporaryDatabase, _ drop: DropLinkRecord) throws -> (Int64, Int64) {
        let link = try #require(try database.storage.dropLinks.link(id: drop.id))
        return (link.files, link.bytes)
    }

    @Test func anUnfinishedUploadIsChargedAtCreationAndGivenBackWhenTerminated() throws {
        let database = try TemporaryDatabase()
        let drop = try makeDrop(database)
        let upload = try create(database, drop, id: "u1", length: 10)
        #expect(upload.ownerKey == "drop:\(drop.id)")
        #expect(try charged(database, drop) == (1, 10))
        // Its file row is the drop's from the start: the creator's quota counts it.
        #expect(try database.storage.files.bytesByUploader() == ["bob": 10])
        let termination = try database.storage.uploads.terminate(id: "u1")
        #expect(termination == .removed(TusStore.Removal(uploadedBy: "bob", bytes: 10)))
        #expect(try charged(database, drop) == (0, 0))
        #expect(try database.storage.files.bytesByUploader().isEmpty)
    }

    @Test func anExpiredUnfinishedUploadGivesItsChargeBack() throws {
        let database = try TemporaryDatabase()
        let drop = try makeDrop(database)
        _ = try create(database, drop, id: "u1", length: 10)
        let step = try database.storage.uploads.sweepExpired(now: 1500, excluding: [], limit: 8)
        #expect(step.removed == [TusStore.Removal(uploadedBy: "bob", bytes: 10)])
        #expect(try charged(database, drop) == (0, 0))
    }

    @Test func aFinishedUploadKeepsItsCharge() throws {
        let database = try TemporaryDatabase()
        let drop = try makeDrop(database)
        // An empty upload is complete at creation.
        let completion = TusCompletion(sha256: String(repeating: "0", count: 64), answeredUntil: 2000)
        #expect(try create(database, drop, id: "u1", length: 0, completion: completion).isFinished)
        #expect(try database.storage.uploads.terminate(id: "u1") == .forgotten)
        #expect(try charged(database, drop) == (1, 0))
    }

    @Test(arguments: [
        (maxFiles: Int64?(1), maxBytes: Int64?.none, second: Int64(1), refusal: LinkRefusal.noFilesLeft),
        (maxFiles: nil, maxBytes: 15, second: 6, refusal: .noBytesLeft),
    ])
    func pastALimitNothingIsMade(maxFiles: Int64?, maxBytes: Int64?, second: Int64, refusal: LinkRefusal) throws {
        let database = try TemporaryDatabase()
        let drop = try makeDrop(database, maxFiles: maxFiles, maxBytes: maxBytes)
        _ = try create(database, drop, id: "u1", length: 10)
        #expect(throws: refusal) { try create(database, drop, id: "u2", length: second) }
        #expect(try database.storage.uploads.upload(id: "u2") == nil)
        #expect(try database.storage.database.scalarInt("SELECT count(*) FROM files") == 1)
        #expect(try charged(database, drop) == (1, 10))
    }
}
