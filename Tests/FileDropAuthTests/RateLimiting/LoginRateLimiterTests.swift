import Testing

@testable import FileDropAuth

@Test func fourFailuresAreFine() {
    var limiter = LoginRateLimiter()
    for second in 0..<4 {
        #expect(limiter.retryAfter(address: "10.0.0.1", now: Double(second)) == nil)
        limiter.recordFailure(address: "10.0.0.1", now: Double(second))
    }
    #expect(limiter.retryAfter(address: "10.0.0.1", now: 4) == nil)
}

@Test func fifthFailureLocksUntilTheWindowPasses() {
    var limiter = LoginRateLimiter()
    for second in 0..<5 {
        limiter.recordFailure(address: "10.0.0.1", now: Double(second))
    }
    // The first failure (t = 0) leaves the window at t = 60.
    #expect(limiter.retryAfter(address: "10.0.0.1", now: 5) == 55)
    #expect(limiter.retryAfter(address: "10.0.0.1", now: 30.2) == 30)  // 29.8 rounded up
    #expect(limiter.retryAfter(address: "10.0.0.1", now: 59.5) == 1)
    #expect(limiter.retryAfter(address: "10.0.0.1", now: 59.999) == 1)
    #expect(limiter.retryAfter(address: "10.0.0.1", now: 60) == nil)
    // Four failures are still inside the window: the next failure locks again.
    limiter.recordFailure(address: "10.0.0.1", now: 60)
    #expect(limiter.retryAfter(address: "10.0.0.1", now: 60) == 1)  // until t = 61
    #expect(limiter.retryAfter(address: "10.0.0.1", now: 61) == nil)
}

@Test func failuresSpreadBeyondTheWindowNeverLock() {
    var limiter = LoginRateLimiter()
    for minute in 0..<20 {
        let now = Double(minute) * 15
        #expect(limiter.retryAfter(address: "a", now: now) == nil)
        limiter.recordFailure(address: "a", now: now)
    }
}

@Test func otherAddressesAreUnaffected() {
    var limiter = LoginRateLimiter()
    for _ in 0..<5 {
        limiter.recordFailure(address: "10.0.0.1", now: 0)
    }
    #expect(limiter.retryAfter(address: "10.0.0.1", now: 1) != nil)
    #expect(limiter.retryAfter(address: "10.0.0.2", now: 1) == nil)
    #expect(limiter.retryAfter(address: "::1", now: 1) == nil)
}

@Test func customLimits() {
    var limiter = LoginRateLimiter(maxFailures: 2, window: 10)
    limiter.recordFailure(address: "a", now: 0)
    #expect(limiter.retryAfter(address: "a", now: 0) == nil)
    limiter.recordFailure(address: "a", now: 1)
    #expect(limiter.retryAfter(address: "a", now: 1) == 9)
}

@Test func trackedAddressesAreCapped() {
    var limiter = LoginRateLimiter(maxTrackedAddresses: 100)
    for index in 0..<1000 {
        limiter.recordFailure(address: "10.0.\(index / 256).\(index % 256)", now: Double(index) / 1000)
    }
    #expect(limiter.trackedAddressCount == 100)
}

@Test func capEvictsTheStalestAddressFirst() {
    var limiter = LoginRateLimiter(maxTrackedAddresses: 3)
    for _ in 0..<5 { limiter.recordFailure(address: "locked", now: 10) }
    limiter.recordFailure(address: "old", now: 1)
    limiter.recordFailure(address: "new", now: 11)
    limiter.recordFailure(address: "newest", now: 12)  // table full: "old" goes
    #expect(limiter.trackedAddressCount == 3)
    #expect(limiter.retryAfter(address: "locked", now: 12) == 58)
}

@Test func expiredAddressesAreForgotten() {
    var limiter = LoginRateLimiter(maxTrackedAddresses: 2)
    limiter.recordFailure(address: "a", now: 0)
    limiter.recordFailure(address: "b", now: 0)
    #expect(limiter.retryAfter(address: "a", now: 61) == nil)
    #expect(limiter.trackedAddressCount == 1)
    limiter.recordFailure(address: "c", now: 61)  // "b" has expired and makes room
    limiter.recordFailure(address: "d", now: 61)
    #expect(limiter.trackedAddressCount == 2)
}

// MARK: Attempts in flight

@Test func attemptsInFlightTakeTheRoomOfFailures() {
    var limiter = LoginRateLimiter()
    for _ in 0..<5 {
        #expect(limiter.admission(address: "a", now: 0) == .proceed)
        limiter.begin(address: "a", now: 0)
    }
    // Five being checked: a sixth waits for one of them, whatever its password.
    #expect(limiter.admission(address: "a", now: 0) == .wait)
    #expect(limiter.admission(address: "b", now: 0) == .proceed)
    #expect(limiter.retryAfter(address: "a", now: 0) == nil)
    limiter.finish(address: "a", now: 1, failed: true)
    // Four failures possible in flight plus one recorded: still no room.
    #expect(limiter.admission(address: "a", now: 1) == .wait)
    for second in 2..<6 { limiter.finish(address: "a", now: Double(second), failed: true) }
    #expect(limiter.admission(address: "a", now: 6) == .refuse(retryAfter: 55))
}

@Test func successesGiveTheirRoomBack() {
    var limiter = LoginRateLimiter()
    for _ in 0..<5 { limiter.begin(address: "a", now: 0) }
    limiter.finish(address: "a", now: 1, failed: false)
    #expect(limiter.admission(address: "a", now: 1) == .proceed)
    for _ in 0..<4 { limiter.finish(address: "a", now: 1, failed: false) }
    #expect(limiter.trackedAddressCount == 0)
}

@Test func twentyAtOnceGetAtMostFiveChecks() {
    var limiter = LoginRateLimiter()
    var checked = 0
    var refused = 0
    var waiting = 20
    // Admit what may proceed, finish those (all wrong), and ask again for the rest.
    while waiting > 0 {
        var admitted = 0
        var stillWaiting = 0
        for _ in 0..<waiting {
            switch limiter.admission(address: "a", now: 10) {
            case .proceed:
                limiter.begin(address: "a", now: 10)
                admitted += 1
            case .wait: stillWaiting += 1
            case .refuse: refused += 1
            }
        }
        for _ in 0..<admitted { limiter.finish(address: "a", now: 10, failed: true) }
        checked += admitted
        waiting = stillWaiting
        if admitted == 0 && stillWaiting > 0 { break }
    }
    #expect(checked == 5)
    #expect(refused == 15)
}

@Test func addressesWithAttemptsInFlightAreNeverEvicted() {
    var limiter = LoginRateLimiter(maxTrackedAddresses: 2)
    limiter.begin(address: "busy", now: 0)
    limiter.recordFailure(address: "b", now: 0)
    limiter.recordFailure(address: "c", now: 1)  // full: "b" goes, not "busy"
    #expect(limiter.trackedAddressCount == 2)
    limiter.finish(address: "busy", now: 2, failed: true)
    #expect(limiter.admission(address: "busy", now: 2) == .proceed)
    for _ in 0..<4 { limiter.recordFailure(address: "busy", now: 3) }
    #expect(limiter.admission(address: "busy", now: 3) == .refuse(retryAfter: 59))
}

@Test(arguments: [
    (LoginAdmission.proceed, LoginAdmission.proceed, LoginAdmission.proceed),
    (.proceed, .wait, .wait),
    (.wait, .refuse(retryAfter: 3), .refuse(retryAfter: 3)),
    (.refuse(retryAfter: 60), .refuse(retryAfter: 900), .refuse(retryAfter: 900)),
    (.refuse(retryAfter: 5), .proceed, .refuse(retryAfter: 5)),
])
func theStricterAdmissionWins(first: LoginAdmission, second: LoginAdmission, combined: LoginAdmission) {
    #expect(first.combined(with: second) == combined)
    #expect(second.combined(with: first) == combined)
}
