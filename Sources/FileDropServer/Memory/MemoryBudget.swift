import NIOCore

/// The server's one budget for buffered request and response bytes (SPEC "Operations",
/// `--memory-budget`, 64 MiB by default): upload chunks being filled and waiting for the
/// database (`ChunkWriter`), small request bodies being collected and answers being written
/// (`HTTPHandler`), download chunks read ahead (`DownloadWriter`).
///
/// Whoever wants more memory than is free waits, and stops reading from its socket while it
/// waits; nobody fails for want of memory. Every holder gives its bytes back once they are
/// written (to the database or the socket) or its connection closes, so waiting always ends:
/// a holder never needs a second grant to give back its first.
///
/// Lives on the server's event loop; the decisions are `MemoryBudgetState`'s.
final class MemoryBudget {
    typealias Ticket = MemoryBudgetState.Ticket

    private let eventLoop: EventLoop
    private var state: MemoryBudgetState
    private var onGrant: [Ticket: () -> Void] = [:]

    init(capacity: Int, eventLoop: EventLoop) {
        self.eventLoop = eventLoop
        self.state = MemoryBudgetState(capacity: capacity)
    }

    var capacity: Int { state.capacity }
    /// Bytes held now (may exceed the capacity by what was charged).
    var used: Int { state.used }
    var waitingCount: Int { state.waitingCount }

    /// Takes `bytes`: nil when they were granted at once; otherwise the caller waits, and
    /// `granted` runs (on the event loop, in turn) once they are its.
    func reserve(_ bytes: Int, granted: @escaping () -> Void) -> Ticket? {
        eventLoop.assertInEventLoop()
        switch state.request(bytes) {
        case .granted:
            return nil
        case .waiting(let ticket):
            onGrant[ticket] = granted
            return ticket
        }
    }

    /// Takes `bytes` as in `reserve`, completing the future once they are granted.
    func reserve(_ bytes: Int) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        if reserve(bytes, granted: { promise.succeed(()) }) == nil {
            promise.succeed(())
        }
        return promise.futureResult
    }

    /// Counts bytes that are in memory already (read before the budget was asked).
    func charge(_ bytes: Int) {
        eventLoop.assertInEventLoop()
        state.charge(bytes)
    }

    func release(_ bytes: Int) {
        eventLoop.assertInEventLoop()
        guard bytes > 0 else { return }
        run(state.release(bytes))
    }

    /// Counts bytes read by a holder of a waiting ticket after it was asked to pause; they
    /// never keep the first waiter waiting when nothing else is held (see `MemoryBudgetState`).
    func holdWhileWaiting(_ bytes: Int) {
        eventLoop.assertInEventLoop()
        state.holdWhileWaiting(bytes)
    }

    func releaseHeldWhileWaiting(_ bytes: Int) {
        eventLoop.assertInEventLoop()
        guard bytes > 0 else { return }
        run(state.releaseHeldWhileWaiting(bytes))
    }

    /// Withdraws a request still waiting; its `granted` never runs.
    func cancel(_ ticket: Ticket) {
        eventLoop.assertInEventLoop()
        onGrant[ticket] = nil
        run(state.cancel(ticket))
    }

    /// Runs the callbacks of what was just granted. The state is settled before each runs, so
    /// a callback may reserve, release or cancel again.
    private func run(_ granted: [Ticket]) {
        for ticket in granted {
            onGrant.removeValue(forKey: ticket)?()
        }
    }
}

@available(*, unavailable)
extension MemoryBudget: Sendable {}
