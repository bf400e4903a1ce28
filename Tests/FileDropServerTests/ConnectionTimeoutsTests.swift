import NIOCore
import Testing

@testable import FileDropServer

/// The slow-client clocks of one connection, driven with plain times (no channel).
@Suite struct ConnectionTimeoutsTests {
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static func at(_ seconds: Double) -> NIODeadline { start + .nanoseconds(Int64(seconds * 1e9)) }

    /// A connection whose request head (of a POST) arrived at time 0.
    static func readingBody(_ limits: ConnectionLimits = ConnectionLimits()) -> ConnectionTimeouts {
        var machine = ConnectionTimeouts(limits: limits, now: at(0))
        machine.bytesArrived(100, now: at(0))
        machine.headReceived(now: at(0))
        return machine
    }

    @Test func aHeadMustBeCompleteWithinTenSeconds() {
        var machine = ConnectionTimeouts(limits: ConnectionLimits(), now: Self.at(0))
        machine.bytesArrived(5, now: Self.at(3))
        #expect(machine.standing == .receivingHead(bytes: 5, since: Self.at(0)))
        #expect(machine.nextDeadline == Self.at(10))
        #expect(machine.timerFired(now: Self.at(9.9)) == .none)
        #expect(machine.timerFired(now: Self.at(10)) == .close(.head))
    }

    @Test func aKeptAliveConnectionIdlesSixtySecondsThenItsNextHeadHasTen() {
        var machine = Self.readingBody()
        machine.requestEnded(now: Self.at(1))
        #expect(machine.nextDeadline == nil)  // the answer is being made: no clock
        machine.responseEnded(now: Self.at(2))
        #expect(machine.standing == .idle(since: Self.at(2)))
        #expect(machine.nextDeadline == Self.at(62))
        machine.bytesArrived(1, now: Self.at(50))
        #expect(machine.nextDeadline == Self.at(60))
    }

    @Test(arguments: [
        // A byte at 25 s: inside the idle limit, but 30 s + 1/1024 s is all one byte buys.
        ([25.0], 1, 30.1, ConnectionTimeouts.Reason.bodyTooSlow),
        // 10 KiB every 10 s buys 30 + 40 s; the silence after the last read ends it as soon.
        ([10, 20, 30, 40], 10 * 1024, 70, .bodyIdle),
        // 1 MiB every 10 s: far ahead of the rate; 30 s of silence ends it.
        ([10, 20], 1 << 20, 50, .bodyIdle),
    ])
    func aBodyMustKeepMovingAndKeepItsRate(reads: [Double], bytes: Int, closesAt: Double, reason: ConnectionTimeouts.Reason) {
        var machine = Self.readingBody()
        for time in reads {
            #expect(machine.bodyReceived(bytes, now: Self.at(time)) == .none)
        }
        #expect(machine.timerFired(now: Self.at(closesAt - 0.2)) == .none)
        #expect(machine.timerFired(now: Self.at(closesAt)) == .close(reason))
    }

    @Test func aSlowButSteadyUploadIsNeverTooSlow() {
        // 1 GiB at 125 KiB/s (1 Mbit/s), a read every second: far ahead of the line all along.
        var machine = Self.readingBody()
        for second in 1...8_590 {
            #expect(machine.bodyReceived(125 * 1024, now: Self.at(Double(second))) == .none)
            if second % 1000 == 0 { #expect(machine.timerFired(now: Self.at(Double(second))) == .none) }
        }
    }

    @Test func timeTheServerHeldReadingBackDoesNotCount() {
        var machine = Self.readingBody()
        machine.readsHeld(now: Self.at(5))
        #expect(machine.nextDeadline == nil)
        #expect(machine.timerFired(now: Self.at(100)) == .none)
        machine.readsResumed(now: Self.at(100))
        // Held from 5 to 100: the idle clock (last read at 0) now ends at 30 + 95.
        #expect(machine.nextDeadline == Self.at(125))
    }

    @Test func anEarlyAnswerDropsAtMostSoManyBytesOrSeconds() {
        var machine = Self.readingBody()
        machine.responseHeadWritten(informational: true, now: Self.at(0))  // 100 Continue
        #expect(machine.bodyReceived(10, now: Self.at(0)) == .none)
        machine.responseHeadWritten(informational: false, now: Self.at(1))  // 413
        #expect(machine.bodyReceived(1 << 20, now: Self.at(2)) == .none)
        #expect(machine.bodyReceived(1, now: Self.at(2)) == .close(.discardBytes))

        var slow = Self.readingBody()
        slow.responseHeadWritten(informational: false, now: Self.at(1))
        #expect(slow.bodyReceived(1, now: Self.at(4)) == .none)
        #expect(slow.timerFired(now: Self.at(6)) == .close(.discardTime))
    }

    @Test func anAnswerThatStopsDrainingIsAbandoned() {
        var machine = Self.readingBody()
        machine.requestEnded(now: Self.at(0))
        machine.writeStarted(now: Self.at(0))
        machine.writeStarted(now: Self.at(0))
        machine.writeCompleted(now: Self.at(30))
        #expect(machine.nextDeadline == Self.at(90))
        // The kernel says the client took more bytes: still draining.
        machine.bytesAcknowledged(1000, now: Self.at(40))
        machine.bytesAcknowledged(5000, now: Self.at(80))
        #expect(machine.timerFired(now: Self.at(90)) == .none)
        machine.bytesAcknowledged(5000, now: Self.at(140))
        #expect(machine.timerFired(now: Self.at(140)) == .close(.writeStalled))
    }

    @Test func noWriteClockRunsWhileNothingWaitsToDrain() {
        var machine = Self.readingBody()
        machine.requestEnded(now: Self.at(0))
        machine.writeStarted(now: Self.at(0))
        machine.writeCompleted(now: Self.at(0))
        machine.responseEnded(now: Self.at(0))
        #expect(machine.nextDeadline == Self.at(60))  // only the keep-alive clock
        #expect(machine.timerFired(now: Self.at(59)) == .none)
    }
}
