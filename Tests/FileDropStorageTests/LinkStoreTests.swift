import Testing

@testable import FileDropStorage

/// Share and drop links in a real database: made, found by token hash, counted, revoked,
/// and what happens to them when their file goes.
@Suite struct LinkStoreTests {
    private func storedFile(_ temporary: TemporaryDatabase, description: String = "file", size: Int = 3) throws -> FileRecord {
        let files = temporary.storage.files
        let id = try files.beginUpload(filename: "a.bin", contentType: "t", uploadedBy: "ann", chunkSize: 4, now: 1)
        try Array(repeating: UInt8(1), count: size).withUnsafeBytes { try files.writeChunk(fileID: id, sequence: 0, bytes: $0) }
        return try files.completeUpload(fileID: id, description: description, size: Int64(size), sha256: "00", now: 1)
    }

    private func shareLink(
        _ temporary: TemporaryDatabase, fileID: Int64, hash: UInt8 = 1, maxDownloads: Int64? = nil, expiresAt: Int64 = 10_000
    ) throws -> ShareLinkRecord? {
        try temporary.storage.shareLinks.create(
            fileID: fileID, tokenHash: Array(repeating: hash, count: 32), seed: [9, 9], expiresAt: expiresAt,
            maxDownloads: maxDownloads, passphraseHash: nil, createdBy: "ann", now: 100
        )
    }

    @Test func aShareLinkIsFoundByItsTokenHashWithItsFile() throws {
        let temporary = try TemporaryDatabase()
        let file = try storedFile(temporary)
        let link = try #require(try shareLink(temporary, fileID: file.id, maxDownloads: 2))
        #expect(link.fileID == file.id && link.seed == [9, 9] && link.maxDownloads == 2 && link.downloads == 0)
        let found = try #require(try temporary.storage.shareLinks.link(tokenHash: Array(repeating: 1, count: 32), now: 200))
        #expect(found.link == link)
        #expect(found.file == file)
        #expect(try temporary.storage.shareLinks.link(tokenHash: Array(repeating: 2, count: 32), now: 200) == nil)
    }

    @Test func noLinkForAFileThatIsNotStored() throws {
        let temporary = try TemporaryDatabase()
        #expect(try shareLink(temporary, fileID: 42) == nil)
        #expect(try temporary.storage.shareLinks.links(fileID: 42, now: 200) == nil)
    }

    @Test func downloadsAreCountedUpToTheLimitOnTheLinkAndTheFile() throws {
        let temporary = try TemporaryDatabase()
        let file = try storedFile(temporary)
        let link = try #require(try shareLink(temporary, fileID: file.id, maxDownloads: 2))
        let links = temporary.storage.shareLinks
        #expect(try links.countDownload(linkID: link.id, now: 200).map { $0.link.downloads } == .success(0))
        #expect(try links.countDownload(linkID: link.id, now: 200).map { $0.link.downloads } == .success(1))
        #expect(try links.countDownload(linkID: link.id, now: 200).map { _ in 0 } == .failure(.usedUp))
        #expect(try links.link(id: link.id)?.downloads == 2)
        #expect(try temporary.storage.files.record(id: file.id, now: 200)?.downloads == 2)
    }

    @Test func anExpiredLinkCountsNothing() throws {
        let temporary = try TemporaryDatabase()
        let file = try storedFile(temporary)
        let link = try #require(try shareLink(temporary, fileID: file.id, expiresAt: 500))
        #expect(try temporary.storage.shareLinks.countDownload(linkID: link.id, now: 500).map { _ in 0 } == .failure(.expired))
        #expect(try temporary.storage.files.record(id: file.id, now: 200)?.downloads == 0)
    }

    @Test func deletingTheFileTakesItsLinks() throws {
        let temporary = try TemporaryDatabase()
        let file = try storedFile(temporary)
        let link = try #require(try shareLink(temporary, fileID: file.id))
        _ = try shareLink(temporary, fileID: file.id, hash: 3)
        #expect(try temporary.storage.shareLinks.links(fileID: file.id, now: 200)?.count == 2)
        #expect(try temporary.storage.files.delete(id: file.id, now: 200) != nil)
        // At once, no link of the file opens anything...
        #expect(try temporary.storage.shareLinks.link(tokenHash: Array(repeating: 1, count: 32), now: 200) == nil)
        #expect(try temporary.storage.shareLinks.links(fileID: file.id, now: 200) == nil)
        #expect(try temporary.storage.shareLinks.countDownload(linkID: link.id, now: 200).map { _ in 0 } == .failure(.gone))
        // ... and once the file's row is purged in the background, its links go with it.
        _ = try temporary.reclaimAll()
        #expect(try temporary.storage.shareLinks.link(id: link.id) == nil)
        #expect(try temporary.storage.database.scalarInt("SELECT count(*) FROM share_links") == 0)
    }

    @Test func revokingALinkLeavesTheOthers() throws {
        let temporary = try TemporaryDatabase()
        let file = try storedFile(temporary)
        let first = try #require(try shareLink(temporary, fileID: file.id))
        let second = try #require(try shareLink(temporary, fileID: file.id, hash: 3))
        #expect(try temporary.storage.shareLinks.revoke(id: first.id))
        #expect(try !temporary.storage.shareLinks.revoke(id: first.id))
        #expect(try temporary.storage.shareLinks.links(fileID: file.id, now: 200) == [second])
    }

    // MARK: Drop links

    private func dropLink(
        _ temporary: TemporaryDatabase, hash: UInt8 = 5, maxFiles: Int64? = nil, maxBytes: Int64? = nil
    ) throws -> DropLinkRecord {
        try temporary.storage.dropLinks.create(
            tokenHash: Array(repeating: hash, count: 32), seed: [1], label: "Tax papers", expiresAt: 10_000, maxFiles: maxFiles,
            maxBytes: maxBytes, createdBy: "ann", now: 100
        )
    }

    /// Stores a file of `size` bytes through drop link `dropID`, as `FormUpload` does.
    private func receive(
        _ temporary: TemporaryDatabase, dropID: Int64, description: String, size: Int, now: Int64 = 200
    ) throws -> FileRecord {
        let storage = temporary.storage
        let id = try storage.files.beginUpload(filename: "g.bin", contentType: "t", uploadedBy: "drop:Tax papers", chunkSize: 4, now: 1)
        return try storage.files.completeUpload(fileID: id, description: description, size: Int64(size), sha256: "00", now: now) {
            try storage.dropLinks.receive(fileID: id, size: Int64(size), dropID: dropID, now: now)
        }
    }

    @Test func aDropLinkIsChargedForWhatItReceivesAndMarksTheFile() throws {
        let temporary = try TemporaryDatabase()
        let drop = try dropLink(temporary, maxFiles: 2, maxBytes: 10)
        let file = try receive(temporary, dropID: drop.id, description: "one", size: 6)
        #expect(file.dropID == drop.id)
        #expect(file.uploadedBy == "drop:Tax papers")
        let charged = try #require(try temporary.storage.dropLinks.link(tokenHash: Array(repeating: 5, count: 32)))
        #expect(charged.files == 1 && charged.bytes == 6)
    }

    @Test func pastALimitNothingIsStored() throws {
        let temporary = try TemporaryDatabase()
        let drop = try dropLink(temporary, maxFiles: 2, maxBytes: 10)
        _ = try receive(temporary, dropID: drop.id, description: "one", size: 6)
        #expect(throws: LinkRefusal.noBytesLeft) { try receive(temporary, dropID: drop.id, description: "two", size: 5) }
        _ = try receive(temporary, dropID: drop.id, description: "exactly full", size: 4)
        #expect(throws: LinkRefusal.noFilesLeft) { try receive(temporary, dropID: drop.id, description: "three", size: 0) }
        // The refused uploads were aborted with their transaction, never listed.
        #expect(try temporary.storage.files.list(limit: 10, now: 200).map(\.description) == ["exactly full", "one"])
        #expect(try temporary.storage.dropLinks.link(id: drop.id).map { [$0.files, $0.bytes] } == [2, 10])
    }

    @Test func deletingAReceivedFileGivesNoBudgetBackAndRevokingKeepsTheFiles() throws {
        let temporary = try TemporaryDatabase()
        let drop = try dropLink(temporary, maxFiles: 1)
        let file = try receive(temporary, dropID: drop.id, description: "one", size: 1)
        #expect(try temporary.storage.files.delete(id: file.id, now: 200) != nil)
        #expect(throws: LinkRefusal.noFilesLeft) { try receive(temporary, dropID: drop.id, description: "two", size: 1) }
        let other = try dropLink(temporary, hash: 6)
        let kept = try receive(temporary, dropID: other.id, description: "kept", size: 1)
        #expect(try temporary.storage.dropLinks.revoke(id: other.id, now: 300))
        #expect(try temporary.storage.files.record(id: kept.id, now: 200)?.dropID == other.id)
        #expect(throws: LinkRefusal.gone) { try receive(temporary, dropID: other.id, description: "late", size: 1) }
        #expect(try temporary.storage.dropLinks.all().map(\.id) == [drop.id])
    }

    @Test func anExpiredDropLinkTakesNothing() throws {
        let temporary = try TemporaryDatabase()
        let drop = try dropLink(temporary)
        #expect(throws: LinkRefusal.expired) { try receive(temporary, dropID: drop.id, description: "late", size: 1, now: 10_000) }
    }

    /// Quotas sum stored bytes per owner: a guest's file counts for the drop link's creator,
    /// also once the link is revoked.
    @Test func aGuestsFileCountsForTheLinksCreator() throws {
        let temporary = try TemporaryDatabase()
        _ = try storedFile(temporary, size: 3)
        let drop = try temporary.storage.dropLinks.create(
            tokenHash: Array(repeating: 9, count: 32), seed: [1], label: "Tax papers", expiresAt: 10_000, maxFiles: nil,
            maxBytes: nil, createdBy: "bob", now: 100
        )
        _ = try receive(temporary, dropID: drop.id, description: "guest", size: 5)
        #expect(try temporary.storage.files.bytesByUploader() == ["ann": 3, "bob": 5])
        #expect(try temporary.storage.dropLinks.revoke(id: drop.id, now: 300))
        #expect(try temporary.storage.files.bytesByUploader() == ["ann": 3, "bob": 5])
    }
}
