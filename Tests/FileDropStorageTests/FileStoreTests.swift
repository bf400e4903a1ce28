import Testing

@testable import FileDropStorage

#if canImport(Glibc)
import Glibc
#endif

@Suite struct FileStoreTests {
    private func store(
        _ temporary: TemporaryDatabase, description: String, bytes: [UInt8], chunkSize: Int = 4, now: Int64 = 1000
    ) throws -> FileRecord {
        let files = temporary.storage.files
        let id = try files.beginUpload(
            filename: "a.bin", contentType: "application/octet-stream", uploadedBy: "ann", chunkSize: chunkSize, now: now)
        var sequence: Int64 = 0
        for start in stride(from: 0, to: bytes.count, by: chunkSize) {
            try bytes[start..<min(start + chunkSize, bytes.count)].withUnsafeBytes { chunk in
                try files.writeChunk(fileID: id, sequence: sequence, bytes: chunk)
            }
            sequence += 1
        }
        return try files.completeUpload(fileID: id, description: description, size: Int64(bytes.count), sha256: "00", now: now)
    }

    private func content(_ temporary: TemporaryDatabase, _ record: FileRecord) throws -> [UInt8] {
        var out: [UInt8] = []
        for sequence in 0..<record.chunkCount {
            try temporary.storage.files.withChunk(fileID: record.id, sequence: sequence) { out.append(contentsOf: $0) }
        }
        return out
    }

    @Test(arguments: [0, 1, 4, 5, 17])
    func contentRoundTripsThroughChunks(size: Int) throws {
        let temporary = try TemporaryDatabase()
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let record = try store(temporary, description: "file", bytes: bytes)
        #expect(record.size == Int64(size))
        #expect(try content(temporary, record) == bytes)
    }

    @Test func incompleteUploadsAreNeverListedAndAreRemoved() throws {
        let temporary = try TemporaryDatabase()
        let files = temporary.storage.files
        let id = try files.beginUpload(filename: "x", contentType: "t", uploadedBy: "ann", chunkSize: 4, now: 1)
        try [1, 2, 3, 4].withUnsafeBytes { try files.writeChunk(fileID: id, sequence: 0, bytes: $0) }
        #expect(try files.list(limit: 10, now: 0).isEmpty)
        #expect(try files.record(id: id, now: 0) == nil)
        // A live upload, or one too new, is kept; the rest is handed to the reclaim steps.
        #expect(try files.sweepIncompleteUploads(startedBefore: 2, keeping: [id]) == 0)
        #expect(try files.sweepIncompleteUploads(startedBefore: 1) == 0)
        #expect(try files.sweepIncompleteUploads(startedBefore: 2) == 1)
        try temporary.reclaimAll()
        #expect(try temporary.storage.database.scalarInt("SELECT count(*) FROM chunks") == 0)
        #expect(try temporary.storage.database.scalarInt("SELECT count(*) FROM files") == 0)
    }

    @Test func aDuplicateDescriptionStoresNothing() throws {
        let temporary = try TemporaryDatabase()
        _ = try store(temporary, description: "same", bytes: [1, 2, 3])
        #expect(throws: FileStoreError.duplicateDescription) {
            _ = try store(temporary, description: "same", bytes: [4, 5, 6, 7, 8])
        }
        #expect(try temporary.storage.files.list(limit: 10, now: 0).count == 1)
        #expect(try temporary.storage.database.scalarInt("SELECT count(*) FROM files WHERE complete >= 0") == 1)
        try temporary.reclaimAll()
        #expect(try temporary.storage.database.scalarInt("SELECT count(*) FROM files") == 1)
        #expect(try temporary.storage.database.scalarInt("SELECT count(*) FROM chunks") == 1)
    }

    @Test func anyFailedCommitAbortsTheUpload() throws {
        let temporary = try TemporaryDatabase()
        let files = temporary.storage.files
        let id = try files.beginUpload(filename: "x", contentType: "t", uploadedBy: "ann", chunkSize: 4, now: 1)
        try [1, 2, 3, 4].withUnsafeBytes { try files.writeChunk(fileID: id, sequence: 0, bytes: $0) }
        // A real SQLite error inside the final commit, as a full disk or an I/O error would be.
        try temporary.storage.database.execute(
            "CREATE TEMP TRIGGER fail BEFORE UPDATE OF complete ON files WHEN NEW.complete = 1 BEGIN SELECT RAISE(ABORT, 'injected'); END"
        )
        #expect(throws: DatabaseError.self) {
            _ = try files.completeUpload(fileID: id, description: "d", size: 4, sha256: "00", now: 2)
        }
        #expect(try files.sweepIncompleteUploads(startedBefore: .max) == 0)  // aborted already
        try temporary.reclaimAll()
        #expect(try temporary.storage.database.scalarInt("SELECT count(*) FROM files") == 0)
        #expect(try temporary.storage.database.scalarInt("SELECT count(*) FROM chunks") == 0)
    }

    @Test func listingIsNewestFirstWithAStableCursor() throws {
        let temporary = try TemporaryDatabase()
        for index in 0..<5 {
            _ = try store(temporary, description: "file \(index)", bytes: [UInt8(index)], now: Int64(1000 + index))
        }
        let first = try temporary.storage.files.list(limit: 2, now: 0)
        #expect(first.map(\.description) == ["file 4", "file 3"])
        // A new file arriving between pages does not shift the next page.
        _ = try store(temporary, description: "newest", bytes: [9], now: 2000)
        let cursor = FileCursor(createdAt: first[1].createdAt, id: first[1].id)
        let second = try temporary.storage.files.list(limit: 2, after: cursor, now: 0)
        #expect(second.map(\.description) == ["file 2", "file 1"])
    }

    @Test func deletingGivesTheSpaceBack() throws {
        let temporary = try TemporaryDatabase()
        _ = try temporary.storage.checkpointNow()
        let empty = temporary.fileSize()  // the schema: a page per table and index
        let bytes = [UInt8](repeating: 7, count: 4 << 20)
        let record = try store(temporary, description: "big", bytes: bytes, chunkSize: 1 << 20)
        _ = try temporary.storage.checkpointNow()
        let full = temporary.fileSize()
        #expect(full >= empty + 4 << 20)
        #expect(try temporary.storage.files.delete(id: record.id, now: 0) == record)
        #expect(try temporary.storage.files.delete(id: record.id, now: 0) == nil)
        #expect(try temporary.storage.files.record(id: record.id, now: 0) == nil)
        // The delete only marked the row; the bounded steps free and give back the space.
        #expect(temporary.fileSize() == full)
        let pageSize = temporary.storage.database.pageBytes
        let steps = try temporary.reclaimAll(ReclaimLimits(chunksPerStep: 1, vacuumBytesPerStep: 1 << 20))
        #expect(steps >= 4 + 4)  // at least one step per chunk, and 4 MiB of pages in steps of 1 MiB
        #expect(try temporary.storage.checkpointNow().truncated)
        #expect(temporary.fileSize() <= empty + 2 * Int(pageSize))
        #expect(temporary.fileSize("-wal") == 0)
    }

    /// A deleted file's chunks are freed first to last, so that the free list's first trunk
    /// (where SQLite puts the pages freed last) holds the highest free page: the vacuum takes
    /// the file's last page first and looks it up from the list's start. Freed last to first,
    /// it was in the last trunk, and each page's lookup read the whole list.
    @Test func theHighestFreePageIsInTheFreeListsFirstTrunk() throws {
        let temporary = try TemporaryDatabase()
        let record = try store(temporary, description: "big", bytes: [UInt8](repeating: 7, count: 40 << 20), chunkSize: 1 << 20)
        #expect(try temporary.storage.files.delete(id: record.id, now: 0) == record)
        while try temporary.storage.files.purgeRemovedStep(maxChunks: 16) {}
        #expect(try temporary.storage.checkpointNow().truncated)  // the database file holds it all

        let pageSize = Int(temporary.storage.database.pageBytes)
        let descriptor = open(temporary.path, O_RDONLY)
        defer { close(descriptor) }
        func word(page: Int, at offset: Int) -> Int {
            var bytes = [UInt8](repeating: 0, count: 4)
            _ = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 4, off_t((page - 1) * pageSize + offset)) }
            return bytes.reduce(0) { $0 << 8 | Int($1) }
        }
        // The file format: page 1 holds the first trunk's number at 32; a trunk holds the next
        // trunk's number, its leaf count, then its leaves.
        var trunks: [[Int]] = []
        var trunk = word(page: 1, at: 32)
        while trunk != 0 && trunks.count < 1000 {
            let leaves = (0..<word(page: trunk, at: 4)).map { word(page: trunk, at: 8 + 4 * $0) }
            trunks.append([trunk] + leaves)
            trunk = word(page: trunk, at: 0)
        }
        #expect(trunks.count >= 3)  // 5,120 pages of 8 KiB: three trunks at least
        let highest = try #require(trunks.joined().max())
        let trunkHoldingIt = trunks.firstIndex { $0.contains(highest) }
        #expect(trunkHoldingIt == 0, "the highest free page, \(highest), is in trunk \(trunkHoldingIt ?? -1) of \(trunks.count)")
    }

    /// The reclaim may wait for a streaming upload only with something to give back and twice
    /// that room on the disk beyond `minimumFreeBytes`.
    @Test func theReclaimMayWaitOnlyWithRoomForTwiceWhatItGivesBack() throws {
        let temporary = try TemporaryDatabase()
        #expect(try !temporary.storage.mayPostponeReclaim())  // nothing to give back
        let record = try store(temporary, description: "big", bytes: [UInt8](repeating: 7, count: 4 << 20), chunkSize: 1 << 20)
        #expect(try temporary.storage.files.delete(id: record.id, now: 0) != nil)
        #expect(try temporary.storage.mayPostponeReclaim())
        let available = try temporary.storage.files.availableBytes()
        // Margins of a GiB: other tests fill and empty the same disk meanwhile.
        let roomy = try Storage(path: temporary.path, minimumFreeBytes: available - (1 << 30))
        defer { roomy.close() }
        #expect(try roomy.mayPostponeReclaim())
        let tight = try Storage(path: temporary.path, minimumFreeBytes: available + (1 << 30))
        defer { tight.close() }
        #expect(try !tight.mayPostponeReclaim())
        try temporary.reclaimAll()
        #expect(try !temporary.storage.mayPostponeReclaim())
    }

    @Test func aDeletedDescriptionIsFreeAtOnce() throws {
        let temporary = try TemporaryDatabase()
        let record = try store(temporary, description: "again", bytes: [1, 2])
        #expect(try temporary.storage.files.delete(id: record.id, now: 0) != nil)
        _ = try store(temporary, description: "again", bytes: [3])
    }

    @Test func aPartialLastChunkIsCompletedInPlace() throws {
        let temporary = try TemporaryDatabase()
        let files = temporary.storage.files
        let id = try files.beginUpload(filename: "x", contentType: "t", uploadedBy: "ann", chunkSize: 4, now: 1)
        try ([UInt8]([1, 2, 3, 4])).withUnsafeBytes { try files.writeChunk(fileID: id, sequence: 0, bytes: $0) }
        try ([UInt8]([5, 6])).withUnsafeBytes { try files.writeChunk(fileID: id, sequence: 1, bytes: $0) }
        // A resumed upload at offset 6 completes chunk 1; bytes past `keepingFirst` are replaced.
        try ([UInt8]([7, 8])).withUnsafeBytes { try files.writeChunk(fileID: id, sequence: 1, bytes: $0, keepingFirst: 2) }
        try ([UInt8]([9])).withUnsafeBytes { try files.writeChunk(fileID: id, sequence: 1, bytes: $0, keepingFirst: 3) }
        let record = try files.completeUpload(fileID: id, description: "d", size: 8, sha256: "00", now: 2)
        #expect(try content(temporary, record) == [1, 2, 3, 4, 5, 6, 7, 9])
        #expect(try temporary.storage.database.scalarInt("SELECT count(*) FROM chunks") == 2)
        #expect(throws: FileStoreError.notFound) {
            try ([UInt8]([1])).withUnsafeBytes { try files.writeChunk(fileID: id, sequence: 5, bytes: $0, keepingFirst: 1) }
        }
    }
}
