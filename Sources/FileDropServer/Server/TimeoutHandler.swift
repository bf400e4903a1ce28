import NIOCore
import NIOHTTP1

/// Closes connections whose clients are too slow, as `ConnectionTimeouts` decides: a request
/// head must be complete within 10 s, a body may idle 30 s and must keep a minimum average
/// rate, a kept-alive connection may idle 60 s, an answer whose bytes stop draining for 60 s
/// is abandoned, and the body after an early answer is dropped only up to 1 MiB or 5 s.
///
/// It sits after the HTTP codec (it sees request parts, response parts and their write
/// promises), learns of raw bytes from `RequestStartDetector` (before the decoder, which
/// calls `bytesArrived`), and of reading held back by the server from `HTTPHandler`
/// (outbound user events). Before closing it tells the handlers after it why
/// (`ConnectionTimedOut`). It keeps the connection's `ConnectionActivity` up to date for
/// the connection cap.
final class TimeoutHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Sent by `HTTPHandler` (outbound) when it stops or resumes reading from the socket.
    enum ReadingHeld {
        case held, resumed
    }

    /// Fired inbound just before a connection is closed for a timeout.
    struct ConnectionTimedOut {
        let reason: ConnectionTimeouts.Reason
    }

    private var machine: ConnectionTimeouts?
    /// This handler's place in the pipeline, for `bytesArrived`, which comes from outside it.
    private var context: ChannelHandlerContext?
    private let limits: ConnectionLimits
    private let activity: ConnectionActivity
    private var timer: (deadline: NIODeadline, task: Scheduled<Void>)?
    /// Writes started since the last flush, while nothing was waiting to drain.
    private var needsDrainBaseline = false
    /// How many bytes the client has acknowledged; nil where the channel cannot say. Tests
    /// on `EmbeddedChannel` stand in for the kernel's count.
    var bytesAcknowledged: (Channel) -> EventLoopFuture<UInt64>? = SocketDrain.bytesAcknowledged

    init(limits: ConnectionLimits, activity: ConnectionActivity) {
        self.limits = limits
        self.activity = activity
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.task.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    private func start(context: ChannelHandlerContext) {
        guard machine == nil else { return }
        machine = ConnectionTimeouts(limits: limits, now: context.eventLoop.now)
        update(context: context)
    }

    // MARK: Events

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = context.eventLoop.now
        switch unwrapInboundIn(data) {
        case .head:
            machine?.headReceived(now: now)
        case .body(let buffer):
            if case .close(let reason) = machine?.bodyReceived(buffer.readableBytes, now: now) {
                return close(reason, context: context)
            }
        case .end:
            machine?.requestEnded(now: now)
        }
        update(context: context)
        context.fireChannelRead(data)
    }

    /// `RequestStartDetector` saw `count` bytes arrive, before the decoder.
    func bytesArrived(_ count: Int) {
        guard let context else { return }
        machine?.bytesArrived(count, now: context.eventLoop.now)
        update(context: context)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let reading = event as? ReadingHeld else {
            return context.triggerUserOutboundEvent(event, promise: promise)
        }
        let now = context.eventLoop.now
        switch reading {
        case .held: machine?.readsHeld(now: now)
        case .resumed: machine?.readsResumed(now: now)
        }
        update(context: context)
        promise?.succeed(())
    }

    /// Follows the writes someone waits for: those with a promise, an answer's end and a
    /// `100 Continue`. The others (a head, a body piece written with no promise) are always
    /// followed by one of those, which completes after them (a channel completes its writes
    /// in order); while they drain, the kernel's count of acknowledged bytes shows progress
    /// (`SocketDrain`, sampled before the write clock's verdict). A promise and callback for
    /// each of an answer's three parts cost a cached page about a seventh of its time.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        let now = context.eventLoop.now
        var waitedFor = promise != nil
        switch part {
        case .head(let head):
            let informational = head.status.code < 200
            machine?.responseHeadWritten(informational: informational, now: now)
            waitedFor = waitedFor || informational
        case .body:
            break
        case .end:
            waitedFor = true
        }
        guard waitedFor else {
            if case .head = part { update(context: context) }  // an early answer starts the discard clock
            return context.write(data, promise: nil)
        }
        let wasWriting = machine?.isWriting ?? true
        machine?.writeStarted(now: now)
        if !wasWriting { needsDrainBaseline = true }
        update(context: context)
        let written = promise ?? context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenComplete { result in
            let now = context.eventLoop.now
            self.machine?.writeCompleted(now: now)
            if case .end = part, case .success = result {
                self.machine?.responseEnded(now: now)
            }
            self.update(context: context)
        }
        context.write(data, promise: written)
    }

    /// An answer that fits the socket's buffer is written whole within the flush, and needs
    /// no drain count (a `TCP_INFO` system call); one that is still waiting afterwards gets the
    /// count its write clock starts from.
    func flush(context: ChannelHandlerContext) {
        context.flush()
        guard needsDrainBaseline else { return }
        needsDrainBaseline = false
        if machine?.isWriting == true { sampleDrain(context: context) {} }
    }

    /// A close asked for above (an answer that ends the connection, a request cut off after its
    /// answer) first sends what was written: answers from memory wait for the end of the tick
    /// to be flushed (`FlushBatch`), and a close before then would drop them.
    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        flush(context: context)
        context.close(mode: mode, promise: promise)
    }

    // MARK: The timer

    /// Publishes the standing and makes sure the timer fires no later than the next deadline.
    /// A deadline that moved later, or went away, is left alone: the timer fires early, finds
    /// nothing due and is set again. (Cancelling and scheduling it on each request's way
    /// through its phases cost a cached page a twentieth of its time.)
    private func update(context: ChannelHandlerContext) {
        guard let machine, context.channel.isActive else { return }
        activity.standing = machine.standing
        guard let next = machine.nextDeadline else { return }
        if let timer, timer.deadline <= next { return }
        timer?.task.cancel()
        let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: next) {
            self.timer = nil
            self.sampleDrain(context: context) {
                if case .close(let reason) = self.machine?.timerFired(now: context.eventLoop.now) {
                    self.close(reason, context: context)
                } else {
                    self.update(context: context)
                }
            }
        }
        timer = (next, task)
    }

    /// Tells the state machine how much the client has acknowledged (when an answer is being
    /// written and the socket says), then goes on.
    private func sampleDrain(context: ChannelHandlerContext, then next: @escaping () -> Void) {
        guard machine?.isWriting == true, let sample = bytesAcknowledged(context.channel) else {
            return next()
        }
        sample.assumeIsolated().whenComplete { result in
            if case .success(let total) = result {
                self.machine?.bytesAcknowledged(total, now: context.eventLoop.now)
            }
            next()
        }
    }

    private func close(_ reason: ConnectionTimeouts.Reason, context: ChannelHandlerContext) {
        timer?.task.cancel()
        timer = nil
        context.fireUserInboundEventTriggered(ConnectionTimedOut(reason: reason))
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension TimeoutHandler: Sendable {}

/// What the connection cap knows of one open connection: its client's address and how it
/// stands (`ConnectionTimeouts.standing`, kept up to date by its `TimeoutHandler`).
final class ConnectionActivity {
    let address: String
    var standing: ConnectionStanding

    init(address: String, standing: ConnectionStanding) {
        self.address = address
        self.standing = standing
    }
}

@available(*, unavailable)
extension ConnectionActivity: Sendable {}
