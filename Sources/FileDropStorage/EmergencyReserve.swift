import FileDropSystem

/// A few megabytes held back on the database's file system for the moment it fills up.
///
/// In WAL mode every change, deletes included, is first appended to the `-wal` file. So on a
/// disk that is completely full (another process filled it, or `--min-free-space` is 0), even
/// removing an upload that failed for lack of space fails for lack of space, and its rows
/// would stay. The reserve is a file beside the database (`app.db-reserve`) whose blocks are
/// allocated ahead: when a delete finds the disk full, the reserve is removed and the delete
/// tried once more in the room it left, so failed uploads are cleaned up and users can still
/// delete files to make room. Until it is made again (once the disk has room for it) no
/// upload may write (`isReleased`): what the reserve left is kept for deletes.
///
/// Used on the storage thread only, like the rest of `Storage`.
final class EmergencyReserve {
    /// 128 WAL frames of the largest (64 KiB) pages: a delete touches a few dozen at most.
    static let defaultBytes: Int64 = 8 << 20

    let path: String
    let bytes: Int64
    /// Given up to a full disk and not made again yet: writes other than deletes must wait.
    private(set) var isReleased = false

    init(path: String, bytes: Int64 = EmergencyReserve.defaultBytes) {
        self.path = path
        self.bytes = bytes
    }

    /// Whether the reserve is in place, whole.
    var isHeld: Bool { FileSystem.fileSize(at: path) ?? 0 >= bytes }

    /// Makes the reserve when it is missing and the disk has room for it and `keepFree` more
    /// bytes besides; true when it is in place afterwards.
    @discardableResult
    func restore(available: Int64, keepFree: Int64) -> Bool {
        if isHeld {
            isReleased = false
            return true
        }
        guard available - bytes > max(keepFree, bytes), (try? FileSystem.allocateFile(at: path, bytes: bytes)) != nil else {
            return false
        }
        isReleased = false
        return true
    }

    /// Gives the reserve's space back to the file system; false when it was not there.
    func release() -> Bool {
        guard FileSystem.removeFile(at: path) else { return false }
        isReleased = true
        return true
    }
}

@available(*, unavailable)
extension EmergencyReserve: Sendable {}
