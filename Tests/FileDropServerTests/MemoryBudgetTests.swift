import NIOCore
import NIOEmbedded
import Testing

@testable import FileDropServer

/// The memory budget's decisions, and the budget as the upload pipeline uses it.
@Suite struct MemoryBudgetStateTests {
    @Test func requestsThatFitAreGrantedAtOnce() {
        var budget = MemoryBudgetState(capacity: 10)
        #expect(budget.request(4) == .granted)
        #expect(budget.request(6) == .granted)
        #expect(budget.used == 10)
        guard case .waiting = budget.request(1) else { Issue.record("an eleventh byte was granted"); return }
    }

    @Test func waitersAreGrantedInTurnAsBytesComeBack() throws {
        var budget = MemoryBudgetState(capacity: 10)
        #expect(budget.request(8) == .granted)
        guard case .waiting(let big) = budget.request(5), case .waiting(let small) = budget.request(1) else {
            Issue.record("granted past the capacity"); return
        }
        // The small one would fit, but waits its turn behind the big one: no starvation.
        #expect(budget.release(2) == [])
        #expect(budget.release(3) == [big, small])
        #expect(budget.used == 9)
    }

    @Test func aRequestLargerThanTheWholeBudgetIsGrantedWhenNothingIsHeld() {
        var budget = MemoryBudgetState(capacity: 10)
        #expect(budget.request(3) == .granted)
        guard case .waiting(let huge) = budget.request(50) else { Issue.record("granted at once"); return }
        #expect(budget.release(3) == [huge])
        #expect(budget.used == 50)
    }

    @Test func chargesOverdrawAndHoldGrantsBackUntilRepaid() {
        var budget = MemoryBudgetState(capacity: 10)
        budget.charge(15)
        guard case .waiting(let ticket) = budget.request(1) else { Issue.record("granted while overdrawn"); return }
        #expect(budget.release(5) == [])
        #expect(budget.release(1) == [ticket])
    }

    @Test func bytesHeldByWaitersNeverKeepEveryWaiterWaiting() {
        var budget = MemoryBudgetState(capacity: 10)
        #expect(budget.request(10) == .granted)
        guard case .waiting(let first) = budget.request(4), case .waiting(let second) = budget.request(4) else {
            Issue.record("granted past the capacity"); return
        }
        // Both read on after they were asked to pause: together more than the whole budget.
        budget.holdWhileWaiting(6)
        budget.holdWhileWaiting(6)
        // The grant goes back; only the waiters' own bytes are held, so the first goes on
        // (overdrawn) rather than wait for bytes that come back only once it does.
        #expect(budget.release(10) == [first])
        // The first takes its held bytes into its granted buffer: the second still waits
        // for what the first holds, which comes back once its buffer is written.
        #expect(budget.releaseHeldWhileWaiting(6) == [])
        #expect(budget.release(4) == [second])
        #expect(budget.used == 10)
        #expect(budget.heldByWaiting == 6)
    }

    @Test func aCancelledWaiterLetsTheOnesBehindItGo() {
        var budget = MemoryBudgetState(capacity: 10)
        #expect(budget.request(6) == .granted)
        guard case .waiting(let first) = budget.request(8), case .waiting(let second) = budget.request(4) else {
            Issue.record("granted past the capacity"); return
        }
        #expect(budget.cancel(first) == [second])
        #expect(budget.cancel(first) == [])
        #expect(budget.used == 10)
    }
}

@Suite struct MemoryBudgetTests {
    @Test func grantedCallbacksMayReserveAndReleaseAgain() {
        let loop = EmbeddedEventLoop()
        let budget = MemoryBudget(capacity: 10, eventLoop: loop)
        var order: [String] = []
        #expect(budget.reserve(10, granted: {}) == nil)
        _ = budget.reserve(5) {
            order.append("a")
            budget.release(5)  // done at once: the next one goes too
        }
        _ = budget.reserve(10) { order.append("b") }
        budget.release(10)
        #expect(order == ["a", "b"])
        #expect(budget.used == 10)
        #expect(budget.waitingCount == 0)
    }

    @Test func aFutureCompletesOnceItsBytesAreGranted() throws {
        let loop = EmbeddedEventLoop()
        let budget = MemoryBudget(capacity: 4, eventLoop: loop)
        try budget.reserve(4).wait()
        let second = budget.reserve(2)
        var done = false
        second.assumeIsolated().whenSuccess { done = true }
        #expect(!done)
        budget.release(4)
        #expect(done)
    }
}
