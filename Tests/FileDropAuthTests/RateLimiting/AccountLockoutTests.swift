import Testing

@testable import FileDropAuth

/// The per-account back-off of SPEC "Operations", driven with time passed in.
@Suite struct AccountLockoutTests {
    /// One checked attempt on `account` at `now`.
    private func attempt(_ lockout: inout AccountLockout, _ account: String = "ann", at now: Double, _ outcome: LoginOutcome) {
        #expect(lockout.admission(account: account, now: now) == .proceed)
        lockout.begin(account: account, now: now)
        lockout.finish(account: account, now: now, outcome: outcome)
    }

    @Test func fiveConsecutiveFailuresStartAOneSecondWait() {
        var lockout = AccountLockout()
        for second in 0..<4 { attempt(&lockout, at: Double(second), .failed) }
        #expect(lockout.admission(account: "ann", now: 4) == .proceed)
        attempt(&lockout, at: 4, .failed)
        #expect(lockout.admission(account: "ann", now: 4) == .refuse(retryAfter: 1))
        #expect(lockout.admission(account: "ann", now: 4.5) == .refuse(retryAfter: 1))
        #expect(lockout.admission(account: "ann", now: 5) == .proceed)
        #expect(lockout.admission(account: "bob", now: 4) == .proceed)
    }

    @Test func theWaitDoublesUpToFifteenMinutes() {
        var lockout = AccountLockout()
        var now = 0.0
        for _ in 0..<5 { attempt(&lockout, at: now, .failed) }
        var waits: [Int] = []
        for _ in 0..<14 {
            guard case .refuse(let seconds) = lockout.admission(account: "ann", now: now) else {
                Issue.record("not waiting")
                return
            }
            waits.append(seconds)
            now += Double(seconds)
            attempt(&lockout, at: now, .failed)
        }
        #expect(waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900])
        #expect(lockout.wait(afterFailures: 1_000_000) == 900)
        #expect(lockout.wait(afterFailures: 4) == 0)
    }

    @Test func theRightPasswordIsRefusedWhileAWaitRunsAndASuccessResets() {
        var lockout = AccountLockout()
        for _ in 0..<7 { lockout.begin(account: "ann", now: 0) }
        for _ in 0..<7 { lockout.finish(account: "ann", now: 0, outcome: .failed) }
        #expect(lockout.admission(account: "ann", now: 3) == .refuse(retryAfter: 1))  // 4 s after 7 failures
        attempt(&lockout, at: 4, .succeeded)
        #expect(lockout.trackedAccountCount == 0)
        for _ in 0..<4 { attempt(&lockout, at: 5, .failed) }
        #expect(lockout.admission(account: "ann", now: 5) == .proceed)
        attempt(&lockout, at: 5, .failed)
        #expect(lockout.admission(account: "ann", now: 5) == .refuse(retryAfter: 1))
    }

    @Test func undecidedAttemptsChangeNothing() {
        var lockout = AccountLockout()
        for _ in 0..<4 { attempt(&lockout, at: 0, .failed) }
        attempt(&lockout, at: 0, .undecided)
        #expect(lockout.admission(account: "ann", now: 0) == .proceed)
    }

    @Test func attemptsInFlightCountAsPossibleFailures() {
        var lockout = AccountLockout()
        for _ in 0..<3 { attempt(&lockout, at: 0, .failed) }
        // Room for two more failures: two may be checked at once, a third waits.
        lockout.begin(account: "ann", now: 0)
        #expect(lockout.admission(account: "ann", now: 0) == .proceed)
        lockout.begin(account: "ann", now: 0)
        #expect(lockout.admission(account: "ann", now: 0) == .wait)
        lockout.finish(account: "ann", now: 0, outcome: .failed)
        lockout.finish(account: "ann", now: 0, outcome: .failed)
        #expect(lockout.admission(account: "ann", now: 0) == .refuse(retryAfter: 1))
        // Once the waits have begun, one attempt at a time.
        lockout.begin(account: "ann", now: 1)
        #expect(lockout.admission(account: "ann", now: 1) == .wait)
        lockout.finish(account: "ann", now: 1, outcome: .failed)
        #expect(lockout.admission(account: "ann", now: 1) == .refuse(retryAfter: 2))
    }

    @Test func aSuccessInFlightGivesTheRoomBack() {
        var lockout = AccountLockout()
        for _ in 0..<5 { lockout.begin(account: "ann", now: 0) }
        #expect(lockout.admission(account: "ann", now: 0) == .wait)
        lockout.finish(account: "ann", now: 0, outcome: .succeeded)
        #expect(lockout.admission(account: "ann", now: 0) == .proceed)
    }

    @Test func trackedAccountsAreCappedWaitingOnesLast() {
        var lockout = AccountLockout(maxTrackedAccounts: 3)
        for _ in 0..<5 { attempt(&lockout, "locked", at: 0, .failed) }
        attempt(&lockout, "old", at: 0.1, .failed)
        attempt(&lockout, "newer", at: 0.2, .failed)
        attempt(&lockout, "newest", at: 0.3, .failed)  // full: "old" goes, not the waiting "locked"
        #expect(lockout.trackedAccountCount == 3)
        #expect(lockout.admission(account: "locked", now: 0.5) == .refuse(retryAfter: 1))
        var many = AccountLockout(maxTrackedAccounts: 100)
        for index in 0..<1000 { attempt(&many, "name\(index)", at: Double(index), .failed) }
        #expect(many.trackedAccountCount == 100)
    }
}
