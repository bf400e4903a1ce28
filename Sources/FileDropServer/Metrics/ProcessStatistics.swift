import FileDropSystem

#if canImport(Glibc)
import Glibc
#endif

/// The process's own numbers for `/metrics`, read from `/proc/self` at scrape time.
enum ProcessStatistics {
    struct Sample: Sendable {
        var residentBytes: Int64
        var virtualBytes: Int64
        var cpuSeconds: Double
        var openFileDescriptors: Int
    }

    static func read() -> Sample {
        let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))
        // statm: size resident shared text lib data dt, in pages.
        let statm = text("/proc/self/statm").split(separator: " ").compactMap { Int64($0) }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return Sample(
            residentBytes: statm.count > 1 ? statm[1] * pageSize : 0,
            virtualBytes: statm.first.map { $0 * pageSize } ?? 0,
            cpuSeconds: cpu,
            openFileDescriptors: countEntries("/proc/self/fd")
        )
    }

    private static func text(_ path: String) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return "" }
        defer { close(descriptor) }
        return (try? FileSystem.readAll(descriptor, limit: 4096)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    private static func countEntries(_ directory: String) -> Int {
        guard let stream = opendir(directory) else { return 0 }
        defer { closedir(stream) }
        var count = 0
        while readdir(stream) != nil { count += 1 }
        return max(0, count - 3)  // ".", ".." and the descriptor reading the folder
    }
}
