import FileDropSystem
import Glibc
import Testing

@testable import FileDropStorage

/// The room held back for deletes on a full disk: made when there is room, given back on
/// demand, and while it is given back nothing but deletes writes.
@Suite struct EmergencyReserveTests {
    @Test func itIsMadeGivenBackAndMadeAgain() throws {
        let temporary = try TemporaryDatabase()
        let path = temporary.folder + "/app.db-reserve"
        defer { unlink(path) }
        let reserve = EmergencyReserve(path: path, bytes: 1 << 20)
        #expect(!reserve.isHeld)
        // Not when that would leave too little room.
        #expect(!reserve.restore(available: 3 << 20, keepFree: 4 << 20))
        #expect(reserve.restore(available: 1 << 40, keepFree: 0))
        #expect(reserve.isHeld && FileSystem.fileSize(at: path) == 1 << 20 && !reserve.isReleased)
        #expect(reserve.release())
        #expect(reserve.isReleased && !reserve.isHeld)
        #expect(!reserve.release())
        #expect(reserve.restore(available: 1 << 40, keepFree: 0))
        #expect(!reserve.isReleased)
    }

    @Test func whileItIsGivenBackOnlyDeletesWrite() throws {
        let temporary = try TemporaryDatabase()
        let path = temporary.folder + "/other.db"
        defer {
            for suffix in ["", "-wal", "-shm", "-reserve"] { unlink(path + suffix) }
        }
        let storage = try Storage(path: path, emergencyReserve: 1 << 20)
        defer { storage.close() }
        let files = storage.files
        #expect(FileSystem.fileSize(at: path + "-reserve") == 1 << 20)
        let id = try files.beginUpload(filename: "x", contentType: "t", uploadedBy: "ann", chunkSize: 4, now: 1)
        #expect(files.reserve?.release() == true)
        #expect(files.isOutOfRoom)
        #expect(throws: FileStoreError.insufficientSpace) {
            try [UInt8]([1]).withUnsafeBytes { try files.writeChunk(fileID: id, sequence: 0, bytes: $0) }
        }
        #expect(throws: FileStoreError.insufficientSpace) {
            _ = try files.beginUpload(filename: "y", contentType: "t", uploadedBy: "ann", chunkSize: 4, now: 1)
        }
        try files.abortUpload(fileID: id)
        #expect(try storage.database.scalarInt("SELECT count(*) FROM files WHERE complete >= 0") == 0)
        // Freeing what the abort left writes to the -wal file: it waits for the room.
        let limits = ReclaimLimits(chunksPerStep: 16, vacuumBytesPerStep: 4 << 20)
        #expect(try storage.reclaimStep(limits) == .finished)
        #expect(try storage.database.scalarInt("SELECT count(*) FROM files") == 1)
        #expect(try files.restoreReserve())
        #expect(!files.isOutOfRoom)
        #expect(try storage.reclaimStep(limits) == .freedChunks)
        #expect(try storage.database.scalarInt("SELECT count(*) FROM files") == 0)
    }
}
