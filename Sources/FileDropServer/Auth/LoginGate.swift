import FileDropAuth
import NIOCore

/// Lets login attempts through to the password check past both limits: per client address
/// (`LoginRateLimiter`, 5 failures in 60 s) and per account (`AccountLockout`, doubling
/// waits after 5 consecutive failures).
///
/// Attempts in flight count against both (see `LoginAdmission`). An attempt that finds its
/// address's or account's room taken by attempts still being checked waits for one of them
/// to finish, then is decided again: twenty wrong passwords sent at once get five 401s and
/// fifteen 429s, while twenty right ones all get in, five at a time. So a burst from one
/// address or at one account never has more than five hashes queued on the two hashing
/// threads, ahead of everyone else's logins. At most `maxWaiting` attempts wait; past that
/// they are refused at once (429, `Retry-After: 1`).
///
/// Lives on the event loop: the limiters and the waiting list are only touched there.
final class LoginGate {
    static let maxWaiting = 128

    /// An admitted attempt; hand it back to `leave` with how the check went.
    struct Ticket: Sendable {
        fileprivate let address: String
        fileprivate let account: String
    }

    enum Entry: Sendable {
        case admitted(Ticket)
        case refused(retryAfter: Int)
    }

    private struct Waiter {
        let address: String
        let account: String
        let promise: EventLoopPromise<Entry>
    }

    private let eventLoop: EventLoop
    private let clock: WallClock
    private var addresses: LoginRateLimiter
    private var accounts: AccountLockout
    private var waiting: [Waiter] = []

    init(
        eventLoop: EventLoop, clock: WallClock, addresses: LoginRateLimiter = LoginRateLimiter(),
        accounts: AccountLockout = AccountLockout()
    ) {
        self.eventLoop = eventLoop
        self.clock = clock
        self.addresses = addresses
        self.accounts = accounts
    }

    /// Attempts waiting for room (for tests).
    var waitingCount: Int { waiting.count }

    /// An attempt from `address` on `account`: admitted now, refused now, or once room frees.
    func enter(address: String, account: String) -> EventLoopFuture<Entry> {
        eventLoop.assertInEventLoop()
        if let entry = decide(address: address, account: account) {
            return eventLoop.makeSucceededFuture(entry)
        }
        guard waiting.count < Self.maxWaiting else {
            return eventLoop.makeSucceededFuture(.refused(retryAfter: 1))
        }
        let promise = eventLoop.makePromise(of: Entry.self)
        waiting.append(Waiter(address: address, account: account, promise: promise))
        return promise.futureResult
    }

    /// An admitted attempt has its answer; waiting attempts are decided again, oldest first.
    func leave(_ ticket: Ticket, outcome: LoginOutcome) {
        eventLoop.assertInEventLoop()
        let now = clock.now
        addresses.finish(address: ticket.address, now: now, failed: outcome == .failed)
        accounts.finish(account: ticket.account, now: now, outcome: outcome)
        var stillWaiting: [Waiter] = []
        var decided: [(EventLoopPromise<Entry>, Entry)] = []
        for waiter in waiting {
            if let entry = decide(address: waiter.address, account: waiter.account) {
                decided.append((waiter.promise, entry))
            } else {
                stillWaiting.append(waiter)
            }
        }
        waiting = stillWaiting
        for (promise, entry) in decided { promise.succeed(entry) }
    }

    /// A failure that cost no password check (a malformed `Authorization` header): counted
    /// for the address only, there being no account.
    func recordFailure(address: String) {
        eventLoop.assertInEventLoop()
        addresses.recordFailure(address: address, now: clock.now)
    }

    /// The address's refusal, if any, without admitting anything (for requests that will
    /// not be checked, such as a malformed header).
    func retryAfter(address: String) -> Int? {
        eventLoop.assertInEventLoop()
        return addresses.retryAfter(address: address, now: clock.now)
    }

    /// Admitted (both limits have room: both count it in flight), refused, or nil to wait.
    private func decide(address: String, account: String) -> Entry? {
        let now = clock.now
        switch addresses.admission(address: address, now: now).combined(with: accounts.admission(account: account, now: now)) {
        case .refuse(let seconds):
            return .refused(retryAfter: seconds)
        case .wait:
            return nil
        case .proceed:
            addresses.begin(address: address, now: now)
            accounts.begin(account: account, now: now)
            return .admitted(Ticket(address: address, account: account))
        }
    }
}

@available(*, unavailable)
extension LoginGate: Sendable {}
