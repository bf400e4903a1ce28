import Testing

@testable import FileDropAuth

/// The passphrase limiter: failures per address in a 60 s window, and attempts still being
/// checked counted as if they had failed.
@Suite struct PassphraseRateLimiterTests {
    @Test func fiveFailuresLockEveryAttemptUntilTheOldestLeavesTheWindow() {
        var limiter = PassphraseRateLimiter()
        for second in 0..<5 {
            #expect(limiter.begin(address: "a", now: Double(second)) == nil)
            limiter.finish(address: "a", failed: true, now: Double(second))
        }
        #expect(limiter.begin(address: "a", now: 5) == 55)
        #expect(limiter.retryAfter(address: "a", now: 59.5) == 1)
        #expect(limiter.begin(address: "a", now: 60) == nil)
        limiter.finish(address: "a", failed: false, now: 60)
        // Four failures are still inside the window: one more locks again, until t = 61.
        #expect(limiter.begin(address: "a", now: 60.5) == nil)
        limiter.finish(address: "a", failed: true, now: 60.5)
        #expect(limiter.begin(address: "a", now: 60.6) == 1)
        #expect(limiter.begin(address: "a", now: 61) == nil)
    }

    /// Twenty attempts that all begin before any is checked: five go ahead, fifteen are refused.
    @Test func attemptsBeingCheckedCountAgainstTheLimit() {
        var limiter = PassphraseRateLimiter()
        let admitted = (0..<20).filter { _ in limiter.begin(address: "a", now: 0) == nil }.count
        #expect(admitted == 5)
        // While they are checked, the address is busy, not locked for a minute.
        #expect(limiter.retryAfter(address: "a", now: 0) == 1)
        for _ in 0..<5 { limiter.finish(address: "a", failed: true, now: 0.1) }
        #expect(limiter.retryAfter(address: "a", now: 0.2) == 60)
    }

    @Test func rightAttemptsFreeTheirPlace() {
        var limiter = PassphraseRateLimiter()
        for _ in 0..<5 { #expect(limiter.begin(address: "a", now: 0) == nil) }
        #expect(limiter.begin(address: "a", now: 0) == 1)
        for _ in 0..<5 { limiter.finish(address: "a", failed: false, now: 0.1) }
        #expect(limiter.begin(address: "a", now: 0.2) == nil)
        #expect(limiter.trackedAddressCount == 0)
    }

    @Test func addressesAreCountedApart() {
        var limiter = PassphraseRateLimiter()
        for _ in 0..<5 {
            _ = limiter.begin(address: "a", now: 0)
            limiter.finish(address: "a", failed: true, now: 0)
        }
        #expect(limiter.begin(address: "a", now: 1) != nil)
        #expect(limiter.begin(address: "b", now: 1) == nil)
    }

    @Test func theTableOfAddressesIsBounded() {
        var limiter = PassphraseRateLimiter(maxTrackedAddresses: 3)
        for (index, address) in ["a", "b", "c", "d"].enumerated() {
            _ = limiter.begin(address: address, now: Double(index))
            limiter.finish(address: address, failed: true, now: Double(index))
        }
        #expect(limiter.trackedAddressCount == 3)
    }
}
