import FileDropSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The server's HMAC key, read from (or created in) the secret key file.
///
/// Per the SPEC's "Secret key file": a missing file is created with `O_CREAT|O_EXCL`, mode
/// 0600, holding 64 random hex characters and a newline. The key is the file's bytes with one
/// trailing `\n` or `\r\n` removed, used as they are (hex is not decoded). A file that is empty,
/// holds a key shorter than 32 bytes, or is open to group or others (checked with `fstat` on
/// the opened descriptor, so the checked file is the read file) is refused with a `Failure`
/// whose `message` names the fix. Nothing here logs, and no error carries key bytes.
public enum SecretKeyFile {
    /// Keys shorter than this are refused (RFC 7518 §3.2: at least the hash's 32 bytes).
    public static let minimumKeyLength = 32
    /// Files larger than this are refused rather than read.
    static let maximumFileSize = 64 * 1024

    /// Loads the key from `path`, creating the file first if it does not exist.
    /// - Returns: the key, and whether the file was created by this call (to be logged, with
    ///   the path only).
    public static func loadOrCreate(path: String) throws(Failure) -> (key: [UInt8], created: Bool) {
        // Two tries: if another process creates the file between our open and our create,
        // the second round reads theirs.
        for _ in 0..<2 {
            if let key = try load(path: path) {
                return (key, false)
            }
            if let key = try create(path: path) {
                return (key, true)
            }
        }
        throw .notCreatable(path: path, reason: "it exists but cannot be opened (a dangling symbolic link?)")
    }

    /// The key, or nil if the file does not exist.
    static func load(path: String) throws(Failure) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        if descriptor < 0 {
            let code = errno
            if code == ENOENT { return nil }
            throw .unreadable(path: path, reason: SystemError.describe(code))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .unreadable(path: path, reason: SystemError.describe(errno)) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .unreadable(path: path, reason: "not a regular file") }
        let permissions = UInt32(status.st_mode & 0o7777)
        guard permissions & 0o077 == 0 else { throw .tooOpen(path: path, mode: permissions) }
        guard Int(status.st_size) <= maximumFileSize else {
            throw .unreadable(path: path, reason: "larger than \(maximumFileSize) bytes, not a key file")
        }
        let contents: [UInt8]
        do throws(SystemError) {
            contents = try FileSystem.readAll(descriptor, limit: maximumFileSize)
        } catch {
            throw .unreadable(path: path, reason: SystemError.describe(error.code))
        }
        let key = keyBytes(fromFileContents: contents)
        guard !key.isEmpty else { throw .empty(path: path) }
        guard key.count >= minimumKeyLength else { throw .tooShort(path: path, length: key.count) }
        return key
    }

    /// The new key, or nil if the file appeared meanwhile.
    static func create(path: String) throws(Failure) -> [UInt8]? {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0o600)
        if descriptor < 0 {
            let code = errno
            if code == EEXIST { return nil }
            throw .notCreatable(path: path, reason: SystemError.describe(code))
        }
        let key = Array(Crypto.hex(Crypto.randomBytes(32)).utf8)
        do throws(SystemError) {
            try FileSystem.writeAll(descriptor, key + [UInt8(ascii: "\n")])
            guard fsync(descriptor) == 0 else { throw SystemError(code: errno) }
        } catch {
            // Leave no half-written key behind for the next start to trip over.
            close(descriptor)
            unlink(path)
            throw .notCreatable(path: path, reason: SystemError.describe(error.code))
        }
        guard close(descriptor) == 0 else {
            let code = errno
            unlink(path)
            throw .notCreatable(path: path, reason: SystemError.describe(code))
        }
        FileSystem.syncParentDirectory(of: path)
        return key
    }

    /// The file's bytes without one trailing "\n" or "\r\n".
    static func keyBytes(fromFileContents contents: [UInt8]) -> [UInt8] {
        var key = contents[...]
        if key.last == UInt8(ascii: "\n") {
            key.removeLast()
            if key.last == UInt8(ascii: "\r") { key.removeLast() }
        }
        return Array(key)
    }
}
