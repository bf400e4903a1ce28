import NIOCore

/// The decisions of the server's one memory budget (SPEC "Operations"): how many bytes of
/// buffered request and response data are held, and who may take more.
///
/// A request for bytes is granted at once when they fit and nobody is waiting; otherwise it
/// waits its turn, first come first served, so that a large request is not passed over for
/// ever by small ones. A request larger than the whole budget is granted once nothing else is
/// held, so it never waits for good. `charge` takes bytes that are already in memory (read
/// before the server could say no), whether they fit or not: the budget can be overdrawn by
/// them, and then grants nothing until enough is released.
///
/// Bytes a party keeps while it waits for a grant (`holdWhileWaiting`: read from its socket
/// after it was asked to pause) go back only once that party is granted. So that such bytes,
/// added up over many waiting connections, can never keep every waiter waiting for the
/// others, the first waiter is granted whenever they are all that is held.
///
/// A pure state machine: no callbacks, no event loop; `MemoryBudget` carries out what it says.
struct MemoryBudgetState {
    struct Ticket: Hashable, Sendable {
        fileprivate let number: Int
    }

    enum RequestOutcome: Equatable {
        case granted
        case waiting(Ticket)
    }

    let capacity: Int
    private(set) var used = 0
    /// The part of `used` kept by parties that wait for a grant.
    private(set) var heldByWaiting = 0
    private var waiting = CircularBuffer<(ticket: Ticket, bytes: Int)>()
    private var nextTicket = 0

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Waiting requests, in the order they will be granted.
    var waitingCount: Int { waiting.count }

    mutating func request(_ bytes: Int) -> RequestOutcome {
        precondition(bytes >= 0)
        if waiting.isEmpty && fits(bytes) {
            used += bytes
            return .granted
        }
        let ticket = Ticket(number: nextTicket)
        nextTicket += 1
        waiting.append((ticket, bytes))
        return .waiting(ticket)
    }

    /// Bytes already held, taken whether they fit or not.
    mutating func charge(_ bytes: Int) {
        precondition(bytes >= 0)
        used += bytes
    }

    /// Bytes already read by a party that waits for a grant, taken whether they fit or not;
    /// given back with `releaseHeldWhileWaiting` once it no longer waits.
    mutating func holdWhileWaiting(_ bytes: Int) {
        precondition(bytes >= 0)
        used += bytes
        heldByWaiting += bytes
    }

    /// Gives bytes back; returns the waiting requests granted now, in order.
    mutating func release(_ bytes: Int) -> [Ticket] {
        precondition(bytes >= 0 && bytes <= used - heldByWaiting, "released more than was held")
        used -= bytes
        return grantWaiting()
    }

    /// Gives back bytes taken with `holdWhileWaiting`.
    mutating func releaseHeldWhileWaiting(_ bytes: Int) -> [Ticket] {
        precondition(bytes >= 0 && bytes <= heldByWaiting, "released more than was held while waiting")
        heldByWaiting -= bytes
        used -= bytes
        return grantWaiting()
    }

    /// Withdraws a waiting request (its connection went away); the ones behind it may now be
    /// granted. A ticket already granted or withdrawn is ignored.
    mutating func cancel(_ ticket: Ticket) -> [Ticket] {
        guard let index = waiting.firstIndex(where: { $0.ticket == ticket }) else { return [] }
        waiting.remove(at: index)
        return grantWaiting()
    }

    /// Nothing held but by waiters means nothing will come back until one of them goes on.
    private func fits(_ bytes: Int) -> Bool {
        used == heldByWaiting || used + bytes <= capacity
    }

    private mutating func grantWaiting() -> [Ticket] {
        var granted: [Ticket] = []
        while let first = waiting.first, fits(first.bytes) {
            waiting.removeFirst()
            used += first.bytes
            granted.append(first.ticket)
        }
        return granted
    }
}
