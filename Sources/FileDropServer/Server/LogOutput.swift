import FileDropSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Where log lines go: a file descriptor (stderr). While the server serves, lines are written
/// in batches rather than with a system call each: the first line of a batch schedules a
/// flush on the event loop (`batch(on:)`), which runs once the loop has handled the events
/// at hand (the end of its tick), so a burst of requests costs one `write`. Past `limit`
/// waiting bytes the logging thread writes them itself. Otherwise (starting, stopping, the
/// CLI) every line is written at once.
///
/// `flush()` writes what is waiting now; it runs when batching stops (the shutdown, before
/// the event loop goes away), at `exit()` (an `atexit` handler: no error exit loses a line),
/// and before `Terminal` writes to stderr directly, so lines keep their order.
public final class LogOutput: Sendable {
    /// Standard error, where the server logs.
    public static let standardError = LogOutput(descriptor: STDERR_FILENO)

    static let limit = 64 * 1024

    /// Runs a closure soon on another thread (the event loop's `execute`).
    public typealias Scheduler = @Sendable (@escaping @Sendable () -> Void) -> Void

    private struct State {
        var pending: [UInt8] = []
        var scheduler: Scheduler?
    }

    private let descriptor: Int32
    private let state = Mutex(State())
    /// Held while a batch is taken and written, so that batches reach the descriptor in order.
    private let writing = Mutex(())

    init(descriptor: Int32) {
        self.descriptor = descriptor
        ExitFlush.register()
    }

    /// From now on lines wait for a flush that `scheduler` runs.
    public func batch(on scheduler: @escaping Scheduler) {
        state.withLock { $0.scheduler = scheduler }
    }

    /// From now on every line is written at once; what waits is written now.
    public func stopBatching() {
        state.withLock { $0.scheduler = nil }
        flush()
    }

    /// Adds `line` (with its newline).
    func append(_ line: String) {
        let (scheduler, full) = state.withLock { state -> (Scheduler?, Bool) in
            let first = state.pending.isEmpty
            state.pending.append(contentsOf: line.utf8)
            guard let scheduler = state.scheduler else { return (nil, true) }
            return (first ? scheduler : nil, state.pending.count >= Self.limit)
        }
        if full {
            flush()
        } else if let scheduler {
            scheduler { [self] in self.flush() }
        }
    }

    /// The bytes waiting to be written.
    var waitingBytes: Int { state.withLock { $0.pending.count } }

    /// Writes whatever is waiting, now.
    public func flush() {
        writing.withLock { _ in
            let batch = state.withLock { state in
                defer { state.pending.removeAll(keepingCapacity: state.pending.count <= Self.limit) }
                return state.pending
            }
            if !batch.isEmpty { try? FileSystem.writeAll(descriptor, batch) }
        }
    }
}

/// Flushes the standard-error log when the process exits.
private enum ExitFlush {
    private static let registered: Void = { atexit { LogOutput.standardError.flush() } }()

    static func register() { _ = registered }
}
