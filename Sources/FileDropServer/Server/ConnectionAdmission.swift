import NIOCore

/// Whether a new connection may take a slot (SPEC "HTTP hygiene and operations",
/// "Operations"): at most `maxConnections` open, at most `maxPerAddress` from one client
/// address. When a cap is reached, the newcomer takes the slot of the connection that has sent
/// the least: an idle kept-alive one first (the longest idle), then one still sending its
/// request head (the fewest bytes so far, then the oldest); a connection busy with a request
/// is never taken, its own timeouts bound it. At the per-address cap only that address's own
/// connections are candidates, so one host can neither lock others out nor be locked out by
/// its own idle sockets. When no slot can be freed the newcomer is refused at once.
///
/// A pure decision over a snapshot of the open connections, tested without sockets.
enum ConnectionAdmission {
    struct Candidate<ID: Hashable> {
        let id: ID
        let address: String
        let standing: ConnectionStanding
    }

    enum Decision<ID: Hashable>: Equatable {
        case admit
        /// Close this connection to make room, then admit.
        case admitInPlaceOf(ID)
        case refuse
    }

    static func decide<ID: Hashable>(
        address: String, open: [Candidate<ID>], maxConnections: Int, maxPerAddress: Int
    ) -> Decision<ID> {
        let fromAddress = open.filter { $0.address == address }
        if fromAddress.count >= maxPerAddress {
            return leastActive(fromAddress).map { .admitInPlaceOf($0) } ?? .refuse
        }
        if open.count >= maxConnections {
            return leastActive(open).map { .admitInPlaceOf($0) } ?? .refuse
        }
        return .admit
    }

    /// The connection to give up first; nil when every one is busy.
    static func leastActive<ID: Hashable>(_ candidates: [Candidate<ID>]) -> ID? {
        var best: (id: ID, rank: (Int, Int, NIODeadline))?
        for candidate in candidates {
            let rank: (Int, Int, NIODeadline)
            switch candidate.standing {
            case .idle(let since): rank = (0, 0, since)
            case .receivingHead(let bytes, let since): rank = (1, bytes, since)
            case .busy: continue
            }
            if best == nil || rank < best!.rank { best = (candidate.id, rank) }
        }
        return best?.id
    }
}
