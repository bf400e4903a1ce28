import NIOCore
import Testing

@testable import FileDropServer

/// Which connection gives up its slot when a cap is reached.
@Suite struct ConnectionAdmissionTests {
    typealias Candidate = ConnectionAdmission.Candidate<Int>
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static func at(_ seconds: Int64) -> NIODeadline { start + .seconds(seconds) }

    static func decide(_ open: [Candidate], address: String = "a", max: Int = 3, perAddress: Int = 3) -> ConnectionAdmission.Decision<Int> {
        ConnectionAdmission.decide(address: address, open: open, maxConnections: max, maxPerAddress: perAddress)
    }

    @Test func belowTheCapsEveryoneIsAdmitted() {
        #expect(Self.decide([Candidate(id: 1, address: "a", standing: .busy)]) == .admit)
    }

    @Test func theLongestIdleKeepAliveGoesFirst() {
        let open = [
            Candidate(id: 1, address: "a", standing: .receivingHead(bytes: 0, since: Self.at(0))),
            Candidate(id: 2, address: "b", standing: .idle(since: Self.at(5))),
            Candidate(id: 3, address: "c", standing: .idle(since: Self.at(2))),
        ]
        #expect(Self.decide(open, address: "d") == .admitInPlaceOf(3))
    }

    @Test func thenTheHeadThatHasSentTheLeastThenTheOldest() {
        let open = [
            Candidate(id: 1, address: "a", standing: .receivingHead(bytes: 30, since: Self.at(0))),
            Candidate(id: 2, address: "b", standing: .receivingHead(bytes: 3, since: Self.at(4))),
            Candidate(id: 3, address: "c", standing: .receivingHead(bytes: 3, since: Self.at(1))),
        ]
        #expect(Self.decide(open, address: "d") == .admitInPlaceOf(3))
    }

    @Test func busyConnectionsAreNeverTakenAndTheNewcomerIsRefused() {
        let open = (1...3).map { Candidate(id: $0, address: "x\($0)", standing: .busy) }
        #expect(Self.decide(open, address: "d") == .refuse)
    }

    @Test func atItsOwnCapAnAddressGivesUpOnlyItsOwnConnections() {
        let open = [
            Candidate(id: 1, address: "a", standing: .busy),
            Candidate(id: 2, address: "a", standing: .receivingHead(bytes: 9, since: Self.at(0))),
            Candidate(id: 3, address: "b", standing: .idle(since: Self.at(0))),
        ]
        #expect(Self.decide(open, address: "a", max: 10, perAddress: 2) == .admitInPlaceOf(2))
        let allBusy = [Candidate(id: 1, address: "a", standing: .busy), Candidate(id: 2, address: "a", standing: .busy)] + [open[2]]
        #expect(Self.decide(allBusy, address: "a", max: 10, perAddress: 2) == .refuse)
        #expect(Self.decide(allBusy, address: "b", max: 10, perAddress: 2) == .admit)
    }
}
