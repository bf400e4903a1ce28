/// Limits failed logins per client address: once an address has `maxFailures` failures within
/// the last `window` seconds, every attempt from it is refused (the right password too) until
/// the oldest of those failures is `window` seconds old.
///
/// Attempts still being checked count too (`admission`, `begin`, `finish`): with `k` recent
/// failures, at most `maxFailures - k` attempts from the address are checked at a time, so
/// parallel guesses cannot all slip past the limit before the first failure is recorded, and
/// one address never has more than `maxFailures` hashes queued on the hashing threads.
/// `retryAfter` and `recordFailure` are the same limit for callers that check and record in
/// one step (a failure that costs no hash, such as a malformed header).
///
/// A pure state machine: time is passed in, nothing is read from a clock, and the caller
/// decides what a failure is (a request with no credentials is not one) and how to answer a
/// refusal (429 with `Retry-After`). Memory is bounded: at most `maxTrackedAddresses`
/// addresses are tracked, each with at most `maxFailures` timestamps; when the table is full,
/// addresses with nothing in flight whose failures have all expired go first, then the one
/// whose last failure is oldest. That eviction scans the table, which is cheap next to the
/// password hash that every recorded failure has already cost.
public struct LoginRateLimiter: Sendable {
    private struct Entry {
        /// Failure times, oldest first, only those that can still count.
        var failures: [Double] = []
        /// Attempts admitted and not finished yet.
        var inFlight = 0
    }

    private let maxFailures: Int
    private let window: Double
    private let maxTrackedAddresses: Int
    private var entries: [String: Entry] = [:]

    public init(maxFailures: Int = 5, window: Double = 60, maxTrackedAddresses: Int = 10_000) {
        precondition(maxFailures >= 1 && window > 0 && maxTrackedAddresses >= 1, "invalid rate limit")
        self.maxFailures = maxFailures
        self.window = window
        self.maxTrackedAddresses = maxTrackedAddresses
    }

    /// The number of addresses currently tracked (for tests and metrics).
    public var trackedAddressCount: Int { entries.count }

    /// nil if an attempt from `address` may proceed as far as failures go, otherwise the
    /// seconds to put in `Retry-After` (at least 1, rounded up). Attempts in flight are not
    /// counted here: see `admission`.
    public mutating func retryAfter(address: String, now: Double) -> Int? {
        guard let entry = recentEntry(address, now: now) else { return nil }
        guard entry.failures.count >= maxFailures, let oldest = entry.failures.first else { return nil }
        return now.retryAfter(until: oldest + window)
    }

    /// Whether an attempt from `address` may be checked now, counting the attempts in
    /// flight. Takes no slot: call `begin` once the attempt really starts.
    public mutating func admission(address: String, now: Double) -> LoginAdmission {
        if let seconds = retryAfter(address: address, now: now) { return .refuse(retryAfter: seconds) }
        guard let entry = entries[address] else { return .proceed }
        return entry.failures.count + entry.inFlight >= maxFailures ? .wait : .proceed
    }

    /// An attempt from `address` is being checked (after `admission` said `.proceed`).
    public mutating func begin(address: String, now: Double) {
        if entries[address] == nil && entries.count >= maxTrackedAddresses {
            makeRoom(now: now)
        }
        entries[address, default: Entry()].inFlight += 1
    }

    /// An attempt from `address` that `begin` counted has its answer.
    public mutating func finish(address: String, now: Double, failed: Bool) {
        guard var entry = entries[address] else { return }
        entry.inFlight = max(0, entry.inFlight - 1)
        entries[address] = entry
        if failed {
            recordFailure(address: address, now: now)
        } else if entry.inFlight == 0 {
            _ = recentEntry(address, now: now)
        }
    }

    /// Counts a failed login from `address` at `now`.
    public mutating func recordFailure(address: String, now: Double) {
        if entries[address] == nil && entries.count >= maxTrackedAddresses {
            makeRoom(now: now)
        }
        var entry = entries[address, default: Entry()]
        entry.failures = entry.failures.filter { $0 > now - window }
        entry.failures.append(now)
        if entry.failures.count > maxFailures {
            entry.failures.removeFirst(entry.failures.count - maxFailures)
        }
        entries[address] = entry
    }

    /// The entry of `address` with expired failures dropped; nil (and forgotten) when nothing
    /// of it counts any more.
    private mutating func recentEntry(_ address: String, now: Double) -> Entry? {
        guard var entry = entries[address] else { return nil }
        entry.failures = entry.failures.filter { $0 > now - window }
        guard !entry.failures.isEmpty || entry.inFlight > 0 else {
            entries[address] = nil
            return nil
        }
        entries[address] = entry
        return entry
    }

    /// Drops idle addresses whose failures expired; if none had, drops the idle one whose
    /// last failure is oldest. Addresses with attempts in flight stay.
    private mutating func makeRoom(now: Double) {
        entries = entries.filter { _, entry in entry.inFlight > 0 || (entry.failures.last.map { $0 > now - window } ?? false) }
        guard entries.count >= maxTrackedAddresses else { return }
        let idle = entries.filter { $0.value.inFlight == 0 }
        if let stalest = idle.min(by: { ($0.value.failures.last ?? 0) < ($1.value.failures.last ?? 0) })?.key {
            entries[stalest] = nil
        }
    }
}
