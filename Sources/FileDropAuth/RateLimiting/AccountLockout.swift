/// Limits failed logins per account, whatever addresses they come from (SPEC "Operations"):
/// after `maxFailures` consecutive failures every attempt on the account is refused for a
/// wait that starts at `firstWait` seconds and doubles with each further failure, up to
/// `maxWait`; the right password is refused too while a wait runs; a success resets the count.
///
/// So many addresses together cannot guess one account's password (after the first few
/// failures they get about one guess per 15 minutes between them), and nobody can lock a
/// user out for longer than `maxWait` at a time. Attempts still being checked count as
/// possible failures (see `LoginAdmission`): with `k < maxFailures` failures, at most
/// `maxFailures - k` attempts are checked at a time; once the waits have begun, one.
///
/// Accounts are keyed by the name as given, known or not: an unknown name is limited the
/// same way, so the answers tell nobody which names exist. A pure state machine like
/// `LoginRateLimiter`: time is passed in. At most `maxTrackedAccounts` names are tracked; when
/// full, an idle name that is not waiting goes first (the one least recently failed), then
/// the idle one whose wait ends first.
public struct AccountLockout: Sendable {
    private struct Entry {
        var consecutiveFailures = 0
        /// No attempt before this time (0 when no wait runs).
        var lockedUntil: Double = 0
        var inFlight = 0
        var lastFailure: Double = 0
    }

    private let maxFailures: Int
    private let firstWait: Double
    private let maxWait: Double
    private let maxTrackedAccounts: Int
    private var entries: [String: Entry] = [:]

    public init(maxFailures: Int = 5, firstWait: Double = 1, maxWait: Double = 900, maxTrackedAccounts: Int = 10_000) {
        precondition(maxFailures >= 1 && firstWait > 0 && maxWait >= firstWait && maxTrackedAccounts >= 1, "invalid lockout")
        self.maxFailures = maxFailures
        self.firstWait = firstWait
        self.maxWait = maxWait
        self.maxTrackedAccounts = maxTrackedAccounts
    }

    /// The number of names currently tracked (for tests and metrics).
    public var trackedAccountCount: Int { entries.count }

    /// The wait after `failures` consecutive failures: none below `maxFailures`, then
    /// `firstWait`, doubling with each further failure, at most `maxWait`.
    public func wait(afterFailures failures: Int) -> Double {
        guard failures >= maxFailures else { return 0 }
        let doublings = min(failures - maxFailures, 62)
        return min(maxWait, firstWait * Double(sign: .plus, exponent: doublings, significand: 1))
    }

    /// Whether an attempt on `account` may be checked now, counting the attempts in flight.
    /// Takes no slot: call `begin` once the attempt really starts.
    public func admission(account: String, now: Double) -> LoginAdmission {
        guard let entry = entries[account] else { return .proceed }
        if now < entry.lockedUntil { return .refuse(retryAfter: now.retryAfter(until: entry.lockedUntil)) }
        let room = entry.consecutiveFailures < maxFailures ? maxFailures - entry.consecutiveFailures : 1
        return entry.inFlight >= room ? .wait : .proceed
    }

    /// An attempt on `account` is being checked (after `admission` said `.proceed`).
    public mutating func begin(account: String, now: Double) {
        if entries[account] == nil && entries.count >= maxTrackedAccounts {
            makeRoom(now: now)
        }
        entries[account, default: Entry()].inFlight += 1
    }

    /// An attempt on `account` that `begin` counted has its answer.
    public mutating func finish(account: String, now: Double, outcome: LoginOutcome) {
        guard var entry = entries[account] else { return }
        entry.inFlight = max(0, entry.inFlight - 1)
        switch outcome {
        case .succeeded:
            entry.consecutiveFailures = 0
            entry.lockedUntil = 0
        case .failed:
            entry.consecutiveFailures += 1
            entry.lastFailure = now
            let wait = wait(afterFailures: entry.consecutiveFailures)
            if wait > 0 { entry.lockedUntil = max(entry.lockedUntil, now + wait) }
        case .undecided:
            break
        }
        entries[account] = entry.consecutiveFailures == 0 && entry.inFlight == 0 ? nil : entry
    }

    /// Drops the idle name least recently failed among those not waiting; if every idle name
    /// is waiting, the one whose wait ends first. Names with attempts in flight stay.
    private mutating func makeRoom(now: Double) {
        let idle = entries.filter { $0.value.inFlight == 0 }
        let free = idle.filter { $0.value.lockedUntil <= now }
        if let stalest = free.min(by: { $0.value.lastFailure < $1.value.lastFailure })?.key {
            entries[stalest] = nil
        } else if let soonest = idle.min(by: { $0.value.lockedUntil < $1.value.lockedUntil })?.key {
            entries[soonest] = nil
        }
    }
}
