#if canImport(Glibc)
import Glibc
#endif

enum ThreadPriority {
    /// Gives the calling thread a nice value of 10 (on Linux the nice value is per thread, and `who` 0 names the calling thread), so
    /// the event loop wins the CPU whenever both want it. Idempotent and cheap.
    static func lowerCurrentThread() {
        #if canImport(Glibc)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
    }
}
