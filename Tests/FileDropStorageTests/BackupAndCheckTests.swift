import Testing

@testable import FileDropStorage

#if canImport(Glibc)
import Glibc
#endif

@Suite struct BackupAndCheckTests {
    private func storeFile(_ temporary: TemporaryDatabase, _ description: String, _ bytes: [UInt8]) throws -> FileRecord {
        let files = temporary.storage.files
        let id = try files.beginUpload(filename: "\(description).bin", contentType: "t", uploadedBy: "ann", chunkSize: 4, now: 1)
        for start in stride(from: 0, to: bytes.count, by: 4) {
            try Array(bytes[start..<min(start + 4, bytes.count)]).withUnsafeBytes {
                try files.writeChunk(fileID: id, sequence: Int64(start / 4), bytes: $0)
            }
        }
        return try files.completeUpload(fileID: id, description: description, size: Int64(bytes.count), sha256: "00", now: 2)
    }

    @Test func aBackupIsOnePrivateSelfContainedFileAndNeverReplacesWithoutBeingTold() throws {
        let temporary = try TemporaryDatabase()
        let record = try storeFile(temporary, "kept", Array(0..<10))
        let destination = temporary.folder + "/copy.db"
        defer { unlink(destination) }
        _ = try DatabaseBackup.copy(from: temporary.storage, to: destination, replace: false)
        var info = stat()
        #expect(stat(destination, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(access(destination + "-wal", F_OK) != 0)
        let copy = try Database(path: destination, configure: false)
        #expect(try copy.scalarText("PRAGMA journal_mode") == "delete")
        #expect(try copy.scalarInt("SELECT count(*) FROM chunks WHERE file_id = \(record.id)") == 3)
        copy.close()

        _ = try storeFile(temporary, "later", [1])
        #expect(throws: DatabaseBackup.Failure.self) {
            _ = try DatabaseBackup.copy(from: temporary.storage, to: destination, replace: false)
        }
        let refreshed = try DatabaseBackup.copy(from: temporary.storage, to: destination, replace: true)
        #expect(refreshed.pages > 0)
        let replaced = try Database(path: destination, configure: false)
        #expect(try replaced.scalarInt("SELECT count(*) FROM files") == 2)
        replaced.close()
        // No temporary file is left beside it.
        #expect(access(destination + ".partial-\(getpid())", F_OK) != 0)
    }

    @Test func theCheckReadsEveryFileInOrderOneSnapshotEach() throws {
        let temporary = try TemporaryDatabase()
        let first = try storeFile(temporary, "one", Array(0..<9))
        let second = try storeFile(temporary, "two", [])
        #expect(try temporary.storage.integrityCheck() == ["ok"])
        #expect(try temporary.storage.storedFiles(after: 0, limit: 10).map(\.id) == [first.id, second.id])
        #expect(try temporary.storage.storedFiles(after: first.id, limit: 10).map(\.id) == [second.id])
        var read: [(Int64, [UInt8])] = []
        let record = try temporary.storage.readContent(of: first.id) { read.append(($0, Array($1))) }
        #expect(record == first)
        #expect(read.map(\.0) == [0, 1, 2] && read.flatMap(\.1) == Array(0..<9))
        #expect(try temporary.storage.files.delete(id: first.id, now: 0) != nil)
        #expect(try temporary.storage.readContent(of: first.id) { _, _ in } == nil)
    }
}
