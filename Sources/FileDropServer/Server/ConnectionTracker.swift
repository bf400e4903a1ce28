import NIOCore

/// Keeps the set of open connections: refuses connections past the cap at once (closing them
/// as soon as they are accepted, never leaving them hanging), and at shutdown asks every open
/// connection to finish its request and close.
///
/// Added to the server channel's pipeline; used on the event loop only.
final class ConnectionTracker: ChannelInboundHandler {
    typealias InboundIn = Channel
    typealias InboundOut = Channel

    private let maxConnections: Int
    private var open: [ObjectIdentifier: Channel] = [:]
    private var allClosed: EventLoopPromise<Void>?

    init(maxConnections: Int) {
        self.maxConnections = maxConnections
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let channel = unwrapInboundIn(data)
        guard open.count < maxConnections, allClosed == nil else {
            channel.close(mode: .all, promise: nil)
            return
        }
        let id = ObjectIdentifier(channel)
        open[id] = channel
        channel.closeFuture.whenComplete { _ in
            context.eventLoop.execute {
                self.open[id] = nil
                if self.open.isEmpty { self.allClosed?.succeed(()) }
            }
        }
        context.fireChannelRead(data)
    }

    /// Asks every connection to close once its current request is answered; the future
    /// completes when all are closed or, after `deadline`, once the stragglers were closed.
    func quiesce(eventLoop: EventLoop, deadline: TimeAmount) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        allClosed = promise
        if open.isEmpty {
            promise.succeed(())
            return promise.futureResult
        }
        for channel in open.values {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let timeout = eventLoop.scheduleTask(in: deadline) {
            for channel in self.open.values { channel.close(promise: nil) }
        }
        promise.futureResult.whenComplete { _ in timeout.cancel() }
        return promise.futureResult
    }
}
