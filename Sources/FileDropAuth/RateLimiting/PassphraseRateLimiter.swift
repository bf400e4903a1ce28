/// Limits wrong share-link passphrases per client address, across all links and apart from
/// failed logins (SPEC "Sharing"): once an address has `maxFailures` failures within the last
/// `window` seconds, every passphrase attempt from it is refused, the right passphrase too,
/// until the oldest of those failures is `window` seconds old.
///
/// Attempts still being checked count against the limit as if they had failed: an attempt
/// `begin`s (and is refused when failures plus attempts in progress reach the limit), then
/// `finish`es as a failure or not. So 20 wrong passphrases sent at once are 5 checks and 15
/// refusals, never 20 checks: a guesser gains nothing by sending in parallel.
///
/// A pure state machine like `LoginRateLimiter`: time is passed in, and the caller decides
/// how to answer a refusal (429 with `Retry-After`). Memory is bounded: at most
/// `maxTrackedAddresses` addresses with failures are tracked, each with at most
/// `maxFailures` times; attempts in progress are bounded by the limit itself.
public struct PassphraseRateLimiter: Sendable {
    private let maxFailures: Int
    private let window: Double
    private let maxTrackedAddresses: Int
    /// Failure times per address, oldest first, only those that can still count.
    private var failures: [String: [Double]] = [:]
    /// Attempts begun and not finished, per address.
    private var inProgress: [String: Int] = [:]

    public init(maxFailures: Int = 5, window: Double = 60, maxTrackedAddresses: Int = 10_000) {
        precondition(maxFailures >= 1 && window > 0 && maxTrackedAddresses >= 1, "invalid rate limit")
        self.maxFailures = maxFailures
        self.window = window
        self.maxTrackedAddresses = maxTrackedAddresses
    }

    /// The number of addresses with failures currently tracked (for tests and metrics).
    public var trackedAddressCount: Int { failures.count }

    /// nil when `address` may attempt a passphrase now, else the seconds to put in
    /// `Retry-After` (at least 1). Begins nothing: for showing a page, not for checking.
    public mutating func retryAfter(address: String, now: Double) -> Int? {
        let recent = recentFailures(address: address, now: now)
        guard recent.count + inProgress[address, default: 0] >= maxFailures else { return nil }
        guard recent.count >= maxFailures, let oldest = recent.first else {
            return 1  // full of attempts being checked: they end within a second
        }
        let seconds = (oldest + window - now).rounded(.up)
        return max(1, Int(min(seconds, Double(Int32.max))))
    }

    /// Begins an attempt from `address`: nil when it may go ahead (then `finish` it exactly
    /// once), else the seconds to put in `Retry-After`.
    public mutating func begin(address: String, now: Double) -> Int? {
        if let seconds = retryAfter(address: address, now: now) { return seconds }
        inProgress[address, default: 0] += 1
        return nil
    }

    /// Ends an attempt `begin` let through; a wrong passphrase counts as a failure at `now`.
    public mutating func finish(address: String, failed: Bool, now: Double) {
        let left = inProgress[address, default: 1] - 1
        inProgress[address] = left > 0 ? left : nil
        guard failed else { return }
        var times = recentFailures(address: address, now: now)
        if failures[address] == nil && failures.count >= maxTrackedAddresses {
            makeRoom(now: now)
        }
        times.append(now)
        if times.count > maxFailures {
            times.removeFirst(times.count - maxFailures)
        }
        failures[address] = times
    }

    /// The failures of `address` still inside the window; forgets the older ones.
    private mutating func recentFailures(address: String, now: Double) -> [Double] {
        guard let times = failures[address] else { return [] }
        let recent = times.filter { $0 > now - window }
        failures[address] = recent.isEmpty ? nil : recent
        return recent
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
