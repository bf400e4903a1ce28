import FileDropAuth
import NIOCore
import NIOEmbedded
import Testing

@testable import FileDropServer

/// The gate in front of password checks: both limits, attempts in flight, waiting.
@Suite struct LoginGateTests {
    /// The gate's clock, set by the test (read on the test's thread only).
    private final class Clock: @unchecked Sendable {
        var now: Double = 1000
    }

    /// The gate's answers, by attempt number, as they come.
    private final class Answers {
        var entries: [Int: LoginGate.Entry] = [:]

        var admitted: [(Int, LoginGate.Ticket)] {
            entries.sorted { $0.key < $1.key }.compactMap { number, entry in
                if case .admitted(let ticket) = entry { return (number, ticket) }
                return nil
            }
        }

        var refusals: [Int] {
            entries.values.compactMap { entry in
                if case .refused(let seconds) = entry { return seconds }
                return nil
            }
        }
    }

    private let loop = EmbeddedEventLoop()
    private let clock = Clock()
    private let answers = Answers()

    private func makeGate() -> LoginGate {
        let clock = self.clock
        return LoginGate(eventLoop: loop, clock: WallClock { clock.now })
    }

    private func enter(_ gate: LoginGate, _ number: Int, address: String, account: String) {
        let answers = self.answers
        gate.enter(address: address, account: account).assumeIsolated().whenSuccess { answers.entries[number] = $0 }
    }

    @Test func rightPasswordsAtOnceAllGetInFiveAtATime() {
        let gate = makeGate()
        for number in 0..<12 { enter(gate, number, address: "10.0.0.1", account: "ann") }
        #expect(answers.admitted.count == 5)
        #expect(gate.waitingCount == 7)
        var finished = Set<Int>()
        while let (number, ticket) = answers.admitted.first(where: { !finished.contains($0.0) }) {
            finished.insert(number)
            gate.leave(ticket, outcome: .succeeded)
            #expect(answers.admitted.count - finished.count <= 5)
        }
        #expect(finished.count == 12)
        #expect(gate.waitingCount == 0)
    }

    @Test func wrongPasswordsAtOnceGetFiveChecksAndTheRest429() {
        let gate = makeGate()
        // From twenty addresses, all on one account: the account's limit holds them.
        for number in 0..<20 { enter(gate, number, address: "10.0.0.\(number)", account: "ann") }
        let first = answers.admitted
        #expect(first.count == 5)
        for (_, ticket) in first { gate.leave(ticket, outcome: .failed) }
        #expect(answers.admitted.count == 5)
        #expect(answers.refusals == [Int](repeating: 1, count: 15))
        #expect(gate.waitingCount == 0)
        clock.now += 1
        enter(gate, 20, address: "10.0.0.99", account: "ann")
        #expect(answers.admitted.count == 6)
    }

    @Test func pastTheWaitingLimitAttemptsAreRefusedAtOnce() {
        let gate = makeGate()
        for number in 0..<(5 + LoginGate.maxWaiting) { enter(gate, number, address: "10.0.0.1", account: "ann") }
        #expect(gate.waitingCount == LoginGate.maxWaiting)
        enter(gate, 1000, address: "10.0.0.2", account: "ann")
        #expect(answers.refusals == [1])
        // Someone else is not held up at all.
        enter(gate, 1001, address: "10.0.0.3", account: "bob")
        #expect(answers.admitted.last?.0 == 1001)
    }

    @Test func anUndecidedAttemptFreesItsRoomWithoutCounting() {
        let gate = makeGate()
        for number in 0..<6 { enter(gate, number, address: "10.0.0.1", account: "ann") }
        for (_, ticket) in answers.admitted { gate.leave(ticket, outcome: .undecided) }
        #expect(answers.admitted.count == 6)
        #expect(answers.refusals.isEmpty)
    }
}
