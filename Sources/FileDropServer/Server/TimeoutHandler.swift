import NIOCore
import NIOHTTP1

/// Slow-client limits: a request head must be complete within 10 s of its first byte (or of
/// the connection's start), a body may idle at most 30 s between reads, and a kept-alive
/// connection may idle 60 s between requests. Past a limit the connection is closed.
///
/// It sits after the HTTP decoder (it sees heads, bodies and ends) and learns of the first
/// bytes of a new request from `RequestStartDetector`, which sits before the decoder.
final class TimeoutHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    struct Limits {
        var head = TimeAmount.seconds(10)
        var bodyIdle = TimeAmount.seconds(30)
        var keepAliveIdle = TimeAmount.seconds(60)
    }

    /// Fired by `RequestStartDetector` when bytes arrive.
    struct BytesArrived {}

    private enum Phase {
        case waitingForHead, readingBody, processing, idle
    }

    private let limits: Limits
    private var phase = Phase.waitingForHead
    /// The answer's end was written; with an early answer this comes before the request's end.
    private var responseEnded = false
    private var timer: Scheduled<Void>?

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(limits.head, context: context)
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(limits.head, context: context) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            phase = .readingBody
            responseEnded = false
            arm(limits.bodyIdle, context: context)
        case .body:
            if phase == .readingBody { arm(limits.bodyIdle, context: context) }
        case .end:
            if responseEnded {
                becomeIdle(context: context)
            } else {
                phase = .processing
                timer?.cancel()
            }
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is BytesArrived {
            if phase == .idle {
                phase = .waitingForHead
                arm(limits.head, context: context)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            return context.write(data, promise: promise)
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.cascade(to: promise)
        written.futureResult.assumeIsolated().whenSuccess {
            self.responseEnded = true
            // An answer given before the body ended waits for it (body idle limit); otherwise
            // the connection now waits for its next request (unless one is already here).
            if self.phase == .processing { self.becomeIdle(context: context) }
        }
        context.write(data, promise: written)
    }

    private func becomeIdle(context: ChannelHandlerContext) {
        phase = .idle
        arm(limits.keepAliveIdle, context: context)
    }

    private func arm(_ delay: TimeAmount, context: ChannelHandlerContext) {
        timer?.cancel()
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension TimeoutHandler: Sendable {}
