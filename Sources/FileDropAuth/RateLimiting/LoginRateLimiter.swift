/// Limits failed logins per client address: once an address has `maxFailures` failures within
/// the last `window` seconds, every attempt from it is refused (the right password too) until
/// the oldest of those failures is `window` seconds old.
///
/// A pure state machine: time is passed in, nothing is read from a clock, and the caller
/// decides what a failure is (a request with no credentials is not one) and how to answer a
/// refusal (429 with `Retry-After`). Memory is bounded: at most `maxTrackedAddresses`
/// addresses are tracked, each with at most `maxFailures` timestamps; when the table is full,
/// addresses whose failures have all expired go first, then the one whose last failure is
/// oldest. That eviction scans the table, which is cheap next to the password hash that
/// every recorded failure has already cost.
public struct LoginRateLimiter: Sendable {
    private let maxFailures: Int
    private let window: Double
    private let maxTrackedAddresses: Int
    /// Failure times per address, oldest first, only those that can still count.
    private var failures: [String: [Double]] = [:]

    public init(maxFailures: Int = 5, window: Double = 60, maxTrackedAddresses: Int = 10_000) {
        precondition(maxFailures >= 1 && window > 0 && maxTrackedAddresses >= 1, "invalid rate limit")
        self.maxFailures = maxFailures
        self.window = window
        self.maxTrackedAddresses = maxTrackedAddresses
    }

    /// The number of addresses currently tracked (for tests and metrics).
    public var trackedAddressCount: Int { failures.count }

    /// nil if an attempt from `address` may proceed, otherwise the seconds to put in
    /// `Retry-After` (at least 1, rounded up).
    public mutating func retryAfter(address: String, now: Double) -> Int? {
        guard let times = failures[address] else { return nil }
        let recent = times.filter { $0 > now - window }
        if recent.isEmpty {
            failures[address] = nil
            return nil
        }
        failures[address] = recent
        guard recent.count >= maxFailures, let oldest = recent.first else { return nil }
        let seconds = (oldest + window - now).rounded(.up)
        return max(1, Int(min(seconds, Double(Int32.max))))
    }

    /// Counts a failed login from `address` at `now`.
    public mutating func recordFailure(address: String, now: Double) {
        var times = failures[address, default: []].filter { $0 > now - window }
        if failures[address] == nil && failures.count >= maxTrackedAddresses {
            makeRoom(now: now)
        }
        times.append(now)
        if times.count > maxFailures {
            times.removeFirst(times.count - maxFailures)
        }
        failures[address] = times
    }

    /// Drops expired addresses; if none had expired, drops the one whose last failure is oldest.
    private mutating func makeRoom(now: Double) {
        failures = failures.filter { _, times in times.last.map { $0 > now - window } ?? false }
        guard failures.count >= maxTrackedAddresses else { return }
        if let stalest = failures.min(by: { ($0.value.last ?? 0) < ($1.value.last ?? 0) })?.key {
            failures[stalest] = nil
        }
    }
}
