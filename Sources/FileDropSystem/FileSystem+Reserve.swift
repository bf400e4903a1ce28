#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension FileSystem {
    /// Creates (or completes) a file of `bytes` whose blocks are really allocated on disk
    /// (`posix_fallocate`, so a later write cannot fail for space), readable by its owner only.
    /// A file that could not be made whole is removed again.
    public static func allocateFile(at path: String, bytes: Int64) throws(SystemError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SystemError(code: errno) }
        let code = posix_fallocate(descriptor, 0, off_t(bytes))
        close(descriptor)
        guard code == 0 else {
            unlink(path)
            throw SystemError(code: code)
        }
    }

    /// Writes zeros from the end of the existing file at `path` up to `bytes` (nothing when it
    /// is that long already, or missing). Real writes, not `posix_fallocate`: a later write over
    /// them changes no block map, so its sync writes no metadata. Not synced.
    public static func extendWithZeros(at path: String, to bytes: Int64) throws(SystemError) {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            guard errno == ENOENT else { throw SystemError(code: errno) }
            return
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw SystemError(code: errno) }
        // 64 KiB at a time: a 1 MiB buffer stayed in the heap and cost idle memory.
        let zeros = [UInt8](repeating: 0, count: 64 << 10)
        var offset = Int64(info.st_size)
        while offset < bytes {
            let count = Int(min(Int64(zeros.count), bytes - offset))
            let written = zeros.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, count, off_t(offset)) }
            guard written > 0 else {
                if written < 0 && errno == EINTR { continue }
                throw SystemError(code: written < 0 ? errno : EIO)
            }
            offset += Int64(written)
        }
    }

    /// The size of the file at `path`; nil when there is none.
    public static func fileSize(at path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }

    /// Removes the file at `path`; false when there was none (or it could not be removed).
    @discardableResult
    public static func removeFile(at path: String) -> Bool {
        unlink(path) == 0
    }
}
