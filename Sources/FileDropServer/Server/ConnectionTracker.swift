import NIOCore

/// Keeps the set of open connections: refuses connections past the cap at once (closing them
/// as soon as they are accepted, never leaving them hanging), and at shutdown asks every open
/// connection to finish its request and close.
///
/// Added to the server channel's pipeline; used on the event loop only (the server has one
/// loop, shared by the listening channel and every connection).
final class ConnectionTracker: ChannelInboundHandler {
    typealias InboundIn = Channel
    typealias InboundOut = Channel

    private let maxConnections: Int
    private var open: [ObjectIdentifier: Channel] = [:]
    private var allClosed: EventLoopPromise<Void>?
    private var eventLoop: EventLoop?

    init(maxConnections: Int) {
        self.maxConnections = maxConnections
    }

    func handlerAdded(context: ChannelHandlerContext) {
        eventLoop = context.eventLoop
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let channel = unwrapInboundIn(data)
        guard open.count < maxConnections, allClosed == nil else {
            channel.close(mode: .all, promise: nil)
            return
        }
        let id = ObjectIdentifier(channel)
        open[id] = channel
        channel.closeFuture.hop(to: context.eventLoop).assumeIsolated().whenComplete { _ in
            self.open[id] = nil
            if self.open.isEmpty { self.allClosed?.succeed(()) }
        }
        context.fireChannelRead(data)
    }

    /// Asks every connection to close once its current request is answered; the future
    /// completes when all are closed or, after `deadline`, once the stragglers were closed.
    func quiesce(deadline: TimeAmount) -> EventLoopFuture<Void> {
        guard let eventLoop else { preconditionFailure("quiesce before the tracker was added to a pipeline") }
        eventLoop.preconditionInEventLoop()
        let promise = eventLoop.makePromise(of: Void.self)
        allClosed = promise
        if open.isEmpty {
            promise.succeed(())
            return promise.futureResult
        }
        for channel in open.values {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let timeout = eventLoop.assumeIsolated().scheduleTask(in: deadline) {
            for channel in self.open.values { channel.close(promise: nil) }
        }
        promise.futureResult.whenComplete { _ in timeout.cancel() }
        return promise.futureResult
    }
}

@available(*, unavailable)
extension ConnectionTracker: Sendable {}
