import Glibc
import Testing

@testable import FileDropStorage

/// Expiry, editing, the bounded sweep and the bytes per uploader, on a real database.
@Suite struct FileStoreLifetimeTests {
    @Test func aFileIsGoneFromItsExpiryOnForEveryReader() throws {
        let temporary = try TemporaryDatabase()
        let record = try temporary.storeFile(description: "brief", now: 1000, expiresAt: 5000)
        let files = temporary.storage.files
        #expect(try files.record(id: record.id, now: 4999)?.expiresAt == 5000)
        #expect(try files.record(id: record.id, now: 5000) == nil)
        #expect(try files.list(limit: 10, now: 4999).count == 1)
        #expect(try files.list(limit: 10, now: 5000).isEmpty)
        #expect(try files.delete(id: record.id, now: 5000) == nil)
        #expect(throws: FileStoreError.notFound) {
            _ = try files.update(id: record.id, changes: FileChanges(expiry: .never), now: 5000)
        }
        // Its rows stay until the sweep: readers never depended on it.
        #expect(try temporary.count("files") == 1)
    }

    @Test func editingChangesWhatWasAskedAndKeepsTheRest() throws {
        let temporary = try TemporaryDatabase()
        let files = temporary.storage.files
        let record = try temporary.storeFile(description: "old", now: 1000)
        try temporary.storeFile(description: "taken", now: 1001)
        let renamed = try files.update(id: record.id, changes: FileChanges(description: "new"), now: 2000)
        #expect(renamed.description == "new" && renamed.expiresAt == nil && renamed.filename == record.filename)
        let expiring = try files.update(id: record.id, changes: FileChanges(expiry: .at(9000)), now: 2000)
        #expect(expiring.description == "new" && expiring.expiresAt == 9000)
        let both = try files.update(id: record.id, changes: FileChanges(description: "both", expiry: .never), now: 2000)
        #expect(both.description == "both" && both.expiresAt == nil)
        #expect(throws: FileStoreError.duplicateDescription) {
            _ = try files.update(id: record.id, changes: FileChanges(description: "taken"), now: 2000)
        }
        #expect(try files.record(id: record.id, now: 2000)?.description == "both")
        #expect(throws: FileStoreError.notFound) {
            _ = try files.update(id: 999, changes: FileChanges(description: "x"), now: 2000)
        }
        // The same description again is no clash with itself.
        #expect(try files.update(id: record.id, changes: FileChanges(description: "both"), now: 2000).description == "both")
        // A time in the past: the answer shows it, and the file is gone from then on.
        let past = try files.update(id: record.id, changes: FileChanges(expiry: .at(1500)), now: 2000)
        #expect(past.expiresAt == 1500)
        #expect(try files.record(id: record.id, now: 2000) == nil)
    }

    @Test func theSweepTakesOutExpiredFilesInBoundedSteps() throws {
        let temporary = try TemporaryDatabase()
        for index in 0..<5 {
            try temporary.storeFile(description: "small \(index)", bytes: [1, 2, 3, 4, 5], now: 1000, expiresAt: 2000 + Int64(index))
        }
        // 40 bytes in chunks of 4: ten chunk rows.
        let big = try temporary.storeFile(description: "big", bytes: Array(repeating: 9, count: 40), now: 1000, expiresAt: 2100)
        let kept = try temporary.storeFile(description: "kept", bytes: [1], now: 1000, expiresAt: 9000)
        let files = temporary.storage.files

        var sweep = try files.sweepExpired(now: 2050, maxFiles: 2)
        #expect(sweep.removed.map(\.description) == ["small 0", "small 1"] && sweep.moreRemain)
        sweep = try files.sweepExpired(now: 2050, maxFiles: 10)
        #expect(sweep.removed.map(\.description) == ["small 2", "small 3", "small 4"] && !sweep.moreRemain)
        // Not yet expired at 2050; at 2100 the big file is taken out in one small write...
        #expect(try files.sweepExpired(now: 2050, maxFiles: 10) == ExpirySweep())
        sweep = try files.sweepExpired(now: 2100, maxFiles: 10)
        #expect(sweep.removed.map(\.id) == [big.id] && !sweep.moreRemain)
        #expect(try temporary.count("files WHERE complete >= 0") == 1)
        // ...and its chunks go in the reclaim task's bounded steps, as after a delete.
        #expect(try temporary.count("chunks") > 1)
        try temporary.reclaimAll(ReclaimLimits(chunksPerStep: 4, vacuumBytesPerStep: 4 << 20))
        #expect(try temporary.count("files") == 1 && temporary.count("chunks") == 1)
        #expect(try files.record(id: kept.id, now: 2100) != nil)
    }

    @Test func bytesAreSummedPerUploaderUntilTheSweep() throws {
        let temporary = try TemporaryDatabase()
        try temporary.storeFile(description: "a", bytes: Array(repeating: 1, count: 10), uploadedBy: "ann")
        try temporary.storeFile(description: "b", bytes: Array(repeating: 1, count: 5), uploadedBy: "ann", expiresAt: 1500)
        try temporary.storeFile(description: "c", bytes: Array(repeating: 1, count: 7), uploadedBy: "bob")
        _ = try temporary.storage.files.beginUpload(filename: "x", contentType: "t", uploadedBy: "bob", chunkSize: 4, now: 1)
        #expect(try temporary.storage.files.bytesByUploader() == ["ann": 15, "bob": 7])
        _ = try temporary.storage.files.sweepExpired(now: 1500, maxFiles: 10)
        #expect(try temporary.storage.files.bytesByUploader() == ["ann": 10, "bob": 7])
    }

    @Test func quotasAreStoredPerUser() throws {
        let temporary = try TemporaryDatabase()
        let users = temporary.storage.users
        try users.add(name: "ann", passwordHash: "h", now: 1, quota: 1000)
        try users.add(name: "bob", passwordHash: "h", now: 1, quota: 0)
        #expect(try users.user(named: "ann")?.quota == 1000)
        #expect(try users.user(named: "bob")?.quota == nil)
        try users.setQuota(name: "bob", bytes: 50)
        try users.setQuota(name: "ann", bytes: 0)
        #expect(try users.all().map(\.quota) == [nil, 50])
        #expect(throws: UserStoreError.notFound("cy")) { try users.setQuota(name: "cy", bytes: 1) }
    }

    @Test func theFreeSpaceReserveStopsChunkWrites() throws {
        let temporary = try TemporaryDatabase()
        let available = try temporary.storage.files.availableBytes()
        #expect(available > 0)
        let path = temporary.folder + "/strict.db"
        let strict = try Storage(path: path, minimumFreeBytes: available + (1 << 40))
        defer {
            strict.close()
            for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
        }
        let id = try strict.files.beginUpload(filename: "x", contentType: "t", uploadedBy: "ann", chunkSize: 4, now: 1)
        #expect(throws: FileStoreError.insufficientSpace) {
            try [UInt8]([1, 2]).withUnsafeBytes { try strict.files.writeChunk(fileID: id, sequence: 0, bytes: $0) }
        }
        #expect(FileStoreError.insufficientSpace.isOutOfSpace)
        #expect(DatabaseError(code: 13, message: "database or disk is full").isOutOfSpace)
        #expect(DatabaseError(code: 10 | (3 << 8), message: "disk I/O error", systemErrno: 28).isOutOfSpace)
        #expect(!DatabaseError(code: 10, message: "disk I/O error", systemErrno: 5).isOutOfSpace)
    }
}
