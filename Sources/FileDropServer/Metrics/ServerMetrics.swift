import NIOCore

/// Everything `/metrics` reports that is counted as it happens, in one place on the event
/// loop: the HTTP traffic, checkpoints, maintenance steps, and the storage thread's own
/// statistics (kept by `StorageExecutor`, absent in channel tests).
final class ServerMetrics {
    struct StepStatistics {
        var steps: UInt64 = 0
        var seconds = 0.0
        var longestSeconds = 0.0
    }

    let http = HTTPMetrics()
    /// Set by the server: the storage thread's job statistics.
    var storage: StorageStatistics?
    /// Checkpoint passes by result: `truncated`, `complete` (copied everything, the `-wal`
    /// file kept for reuse), `partial` (copied what it could), `busy`
    /// (another connection's lock stopped it), `failed`.
    private(set) var checkpoints: [String: UInt64] = [:]
    private(set) var maintenance: [String: StepStatistics] = [:]
    /// The last stored-files totals and the database commit counter they were read at.
    var storedTotals: (commitCounter: UInt32, files: Int64, bytes: Int64)?

    func recordCheckpoint(_ result: String) {
        checkpoints[result, default: 0] += 1
    }

    func recordStep(task: String, duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let value = Double(seconds) + Double(attoseconds) / 1e18
        maintenance[task, default: StepStatistics()].steps += 1
        maintenance[task, default: StepStatistics()].seconds += value
        maintenance[task, default: StepStatistics()].longestSeconds = max(maintenance[task]?.longestSeconds ?? 0, value)
    }
}

@available(*, unavailable)
extension ServerMetrics: Sendable {}
