@testable import FileDropStorage

extension TemporaryDatabase {
    /// Stores a file as an upload does (begin, chunks, complete) and returns its record.
    @discardableResult
    func storeFile(
        description: String, filename: String = "a.bin", bytes: [UInt8] = [1, 2, 3], uploadedBy: String = "ann",
        chunkSize: Int = 4, now: Int64 = 1000, expiresAt: Int64? = nil
    ) throws -> FileRecord {
        let files = storage.files
        let id = try files.beginUpload(
            filename: filename, contentType: "application/octet-stream", uploadedBy: uploadedBy, chunkSize: chunkSize, now: now)
        var sequence: Int64 = 0
        for start in stride(from: 0, to: bytes.count, by: chunkSize) {
            try bytes[start..<min(start + chunkSize, bytes.count)].withUnsafeBytes { chunk in
                try files.writeChunk(fileID: id, sequence: sequence, bytes: chunk)
            }
            sequence += 1
        }
        return try files.completeUpload(
            fileID: id, description: description, size: Int64(bytes.count), sha256: "00", now: now, expiresAt: expiresAt)
    }

    func count(_ table: String) throws -> Int64 {
        try storage.database.scalarInt("SELECT count(*) FROM \(table)")
    }
}
