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
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
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
