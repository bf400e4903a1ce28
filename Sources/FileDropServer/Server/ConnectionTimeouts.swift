import NIOCore

/// The slow-client decisions of one connection (`ConnectionLimits`): which clock runs in which
/// phase of a request, and when the connection must be closed. It also says how the
/// connection stands for the connection cap (`standing`).
///
/// A pure state machine in the manner of swift-nio's: each event carries the time, the
/// caller (`TimeoutHandler`) schedules one timer for `nextDeadline` and reports when it fires,
/// and closes the connection when `timerFired` or an event says `.close`. It reads no clock
/// and owns no channel, so it is tested with plain values (`ConnectionTimeoutsTests`).
///
/// Two clocks may run at once: the one of the request's phase (head, body, discard,
/// keep-alive) and the write clock, which runs while written bytes wait to drain.
struct ConnectionTimeouts {
    enum Reason: String, Equatable, Sendable {
        case head = "request head too slow"
        case bodyIdle = "request body idle"
        case bodyTooSlow = "request body too slow"
        case keepAlive = "idle"
        case writeStalled = "client stopped reading the answer"
        case discardBytes = "too much body after an early answer"
        case discardTime = "body went on too long after an early answer"
    }

    enum Action: Equatable {
        case none
        case close(Reason)
    }

    private struct Body {
        var start: NIODeadline
        var lastRead: NIODeadline
        var received: Int64 = 0
    }

    private enum Phase {
        /// Waiting for (the rest of) a request head; `bytes` arrived so far.
        case waitingForHead(since: NIODeadline, bytes: Int)
        case readingBody(Body)
        /// The request is in; its answer is being made.
        case processing
        /// Between requests on a kept-alive connection.
        case idle(since: NIODeadline)
        /// Answered before the body's end: the rest is dropped, up to a bound.
        case discarding(since: NIODeadline, bytes: Int)
    }

    let limits: ConnectionLimits
    private var phase: Phase
    /// The current request's answer has been written whole.
    private var responseEnded = false
    /// Reading held back by the server since then: the body clocks are stopped.
    private var readsHeldSince: NIODeadline?
    private var writesInFlight = 0
    private var lastWriteProgress: NIODeadline
    /// The client's count of acknowledged bytes when last seen (`SocketDrain`).
    private var bytesAcknowledged: UInt64?

    init(limits: ConnectionLimits, now: NIODeadline) {
        self.limits = limits
        phase = .waitingForHead(since: now, bytes: 0)
        lastWriteProgress = now
    }

    /// How the connection stands for the connection cap.
    var standing: ConnectionStanding {
        switch phase {
        case .idle(let since): .idle(since: since)
        case .waitingForHead(let since, let bytes): .receivingHead(bytes: bytes, since: since)
        case .readingBody, .processing, .discarding: .busy
        }
    }

    // MARK: Reading

    /// Bytes arrived from the socket (before any decoding).
    mutating func bytesArrived(_ count: Int, now: NIODeadline) {
        switch phase {
        case .idle:
            phase = .waitingForHead(since: now, bytes: count)
        case .waitingForHead(let since, let bytes):
            phase = .waitingForHead(since: since, bytes: bytes + count)
        case .readingBody, .processing, .discarding:
            break
        }
    }

    mutating func headReceived(now: NIODeadline) {
        phase = .readingBody(Body(start: now, lastRead: now))
        responseEnded = false
    }

    mutating func bodyReceived(_ count: Int, now: NIODeadline) -> Action {
        switch phase {
        case .readingBody(var body):
            body.lastRead = now
            body.received += Int64(count)
            phase = .readingBody(body)
        case .discarding(let since, let bytes):
            let total = bytes + count
            guard total <= limits.discardBytes else { return .close(.discardBytes) }
            phase = .discarding(since: since, bytes: total)
        case .waitingForHead, .processing, .idle:
            break
        }
        return .none
    }

    mutating func requestEnded(now: NIODeadline) {
        phase = responseEnded ? .idle(since: now) : .processing
    }

    /// The server stopped reading from the socket (its own doing: the database is behind, or
    /// the memory budget is spent). Until `readsResumed`, the body clocks stand still.
    mutating func readsHeld(now: NIODeadline) {
        if readsHeldSince == nil { readsHeldSince = now }
    }

    mutating func readsResumed(now: NIODeadline) {
        guard let since = readsHeldSince else { return }
        readsHeldSince = nil
        if case .readingBody(var body) = phase {
            let held = now - since
            body.start = body.start + held
            body.lastRead = body.lastRead + held
            phase = .readingBody(body)
        }
    }

    // MARK: Writing

    /// A response head went out. One given while the body is still coming (not a
    /// `100 Continue`) is an early answer: from now on the body is only dropped.
    mutating func responseHeadWritten(informational: Bool, now: NIODeadline) {
        if !informational, case .readingBody = phase {
            phase = .discarding(since: now, bytes: 0)
            readsHeldSince = nil
        }
    }

    mutating func writeStarted(now: NIODeadline) {
        if writesInFlight == 0 { lastWriteProgress = now }
        writesInFlight += 1
    }

    /// A write reached the socket (or failed): the response is moving.
    mutating func writeCompleted(now: NIODeadline) {
        writesInFlight -= 1
        lastWriteProgress = now
    }

    /// The kernel's count of bytes the client acknowledged: a count that grew means the answer
    /// is draining, even while no whole write has completed.
    mutating func bytesAcknowledged(_ total: UInt64, now: NIODeadline) {
        if let last = bytesAcknowledged, total > last, writesInFlight > 0 {
            lastWriteProgress = now
        }
        bytesAcknowledged = total
    }

    /// Written bytes wait to drain: the write clock runs (and the acknowledged count is
    /// worth a look before the timer's verdict).
    var isWriting: Bool { writesInFlight > 0 }

    mutating func responseEnded(now: NIODeadline) {
        responseEnded = true
        if case .processing = phase { phase = .idle(since: now) }
    }

    // MARK: The timer

    /// When the timer must next fire; nil when no clock runs.
    var nextDeadline: NIODeadline? {
        switch (phaseDeadline?.deadline, writeDeadline) {
        case let (phase?, write?): min(phase, write)
        case let (phase, write): phase ?? write
        }
    }

    mutating func timerFired(now: NIODeadline) -> Action {
        if let writeDeadline, writeDeadline <= now { return .close(.writeStalled) }
        if let (deadline, reason) = phaseDeadline, deadline <= now { return .close(reason) }
        return .none
    }

    private var writeDeadline: NIODeadline? {
        writesInFlight > 0 ? lastWriteProgress + limits.writeIdle : nil
    }

    private var phaseDeadline: (deadline: NIODeadline, reason: Reason)? {
        switch phase {
        case .waitingForHead(let since, _):
            return (since + limits.head, .head)
        case .readingBody(let body):
            guard readsHeldSince == nil else { return nil }
            let idle = body.lastRead + limits.bodyIdle
            // received / rate seconds, capped far beyond any real upload (about 30 years).
            let seconds = min(Double(body.received) / Double(limits.bodyMinimumRate), 1e9)
            let allowed = TimeAmount.nanoseconds(Int64(seconds * 1e9))
            let slow = body.start + limits.bodyIdle + allowed
            return idle <= slow ? (idle, .bodyIdle) : (slow, .bodyTooSlow)
        case .processing:
            return nil
        case .idle(let since):
            return (since + limits.keepAliveIdle, .keepAlive)
        case .discarding(let since, _):
            return (since + limits.discardTime, .discardTime)
        }
    }
}

/// How a connection stands when the cap is reached, from most to least willing to give up
/// its slot: idle between requests, receiving a request head (the fewer bytes, the sooner),
/// or busy with a request (never evicted: its timeouts bound it).
enum ConnectionStanding: Equatable, Sendable {
    case idle(since: NIODeadline)
    case receivingHead(bytes: Int, since: NIODeadline)
    case busy
}
