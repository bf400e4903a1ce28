#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension FileSystem {
    /// The share of the file at `path` whose pages are in the kernel's page cache, from 0 to 1
    /// (`mincore` over a read-only mapping of it, which reads nothing from disk); 0 when the
    /// file is empty, missing, or cannot be mapped.
    ///
    /// It opens and closes a descriptor of its own, and closing any descriptor of a file drops
    /// every POSIX lock this process holds on it: for a `-wal` file (SQLite locks none), never
    /// for the database file or its `-shm` file.
    public static func residentFraction(of path: String) -> Double {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return 0 }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_size > 0, let length = Int(exactly: info.st_size) else { return 0 }
        guard let mapping = mmap(nil, length, PROT_READ, MAP_SHARED, descriptor, 0),
            mapping != UnsafeMutableRawPointer(bitPattern: -1)
        else { return 0 }
        defer { munmap(mapping, length) }
        let pageBytes = max(1, sysconf(Int32(_SC_PAGESIZE)))
        var pages = [UInt8](repeating: 0, count: (length + pageBytes - 1) / pageBytes)
        guard mincore(mapping, length, &pages) == 0 else { return 0 }
        let resident = pages.reduce(0) { $0 + Int($1 & 1) }
        return Double(resident) / Double(pages.count)
    }
}
