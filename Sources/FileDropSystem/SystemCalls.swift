#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An `errno` from a failed system call.
public struct SystemError: Error, Equatable, Sendable {
    public var code: Int32

    public init(code: Int32) {
        self.code = code
    }

    /// `strerror`'s text for `code`, e.g. "Permission denied".
    public static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}

/// The few POSIX file calls that both the database and the secret key file need, in one
/// place: reading and writing a whole descriptor, and making a new file's directory entry
/// durable. Nothing here knows SQLite or keys.
public enum FileSystem {
    /// Reads `descriptor` to its end, retrying interrupted reads; more than `limit` bytes is EFBIG.
    public static func readAll(_ descriptor: Int32, limit: Int) throws(SystemError) -> [UInt8] {
        var contents: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError(code: errno)
            }
            if count == 0 { return contents }
            contents.append(contentsOf: buffer[..<count])
            if contents.count > limit { throw SystemError(code: EFBIG) }
        }
    }

    /// Writes all of `bytes`, retrying interrupted and partial writes.
    public static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError(code: errno)
            }
            offset += count
        }
    }

    /// Makes a newly created file's directory entry durable (`fsync` on its folder); best
    /// effort, as some file systems refuse `fsync` on directories.
    public static func syncParentDirectory(of path: String) {
        let descriptor = open(parentDirectory(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    /// The bytes an unprivileged process may still write on the file system holding `path`
    /// (`statvfs`: free blocks available to non-root users times the fragment size).
    public static func availableBytes(at path: String) throws(SystemError) -> Int64 {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { throw SystemError(code: errno) }
        let (bytes, overflow) = Int64(clamping: info.f_bavail).multipliedReportingOverflow(by: Int64(clamping: info.f_frsize))
        return overflow ? Int64.max : bytes
    }

    /// The folder a path's file lives in: `/a/b.db` → `/a`, `b.db` → `.`.
    public static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Writes the file's data at `path` to disk (`fdatasync`); best effort.
    public static func syncData(of path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fdatasync(descriptor)
        close(descriptor)
    }

    /// The size of the file at `path` in bytes (`stat`); 0 when it does not exist.
    public static func size(of path: String) -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return Int64(info.st_size)
    }
}
