import Glibc

@testable import FileDropStorage

/// A fresh database file in a fresh folder, removed afterwards.
final class TemporaryDatabase {
    let folder: String
    let path: String
    let storage: Storage

    init() throws {
        var template = Array("/tmp/filedrop-test-XXXXXX".utf8CString)
        let folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        self.folder = folder
        path = folder + "/app.db"
        storage = try Storage(path: path)
    }

    deinit {
        storage.close()
        for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
        rmdir(folder)
    }

    func fileSize(_ suffix: String = "") -> Int {
        var info = stat()
        return stat(path + suffix, &info) == 0 ? Int(info.st_size) : 0
    }

    /// Runs reclaim steps until nothing is left; returns how many ran.
    @discardableResult
    func reclaimAll(_ limits: ReclaimLimits = ReclaimLimits(chunksPerStep: 16, vacuumBytesPerStep: 4 << 20)) throws -> Int {
        var steps = 0
        while try storage.reclaimStep(limits) != .finished { steps += 1 }
        return steps
    }
}
