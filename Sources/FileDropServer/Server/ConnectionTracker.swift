import NIOCore

/// Keeps the set of open connections and the connection cap: a newcomer past a cap takes the
/// slot of an idle or slow connection, or is closed as soon as it is accepted when none can
/// be freed (`ConnectionAdmission` decides; nobody is left hanging in the backlog). At
/// shutdown it asks every open connection to finish its request and close.
///
/// A peer that is a trusted proxy (`--trusted-proxy`) carries many clients on its
/// connections, so only the overall cap applies to it, not the per-address one.
///
/// Added to the server channel's pipeline; used on the event loop only (the server has one
/// loop, shared by the listening channel and every connection).
final class ConnectionTracker: ChannelInboundHandler {
    typealias InboundIn = Channel
    typealias InboundOut = Channel

    private let maxConnections: Int
    private let maxPerAddress: Int
    private let trustedProxies: TrustedProxies
    private var open: [ObjectIdentifier: (channel: Channel, activity: ConnectionActivity)] = [:]
    private var allClosed: EventLoopPromise<Void>?
    private var eventLoop: EventLoop?

    init(maxConnections: Int, maxPerAddress: Int, trustedProxies: TrustedProxies = TrustedProxies(ranges: [])) {
        self.maxConnections = maxConnections
        self.maxPerAddress = maxPerAddress
        self.trustedProxies = trustedProxies
    }

    func handlerAdded(context: ChannelHandlerContext) {
        eventLoop = context.eventLoop
    }

    /// The activity record of an admitted connection, for its `TimeoutHandler` to keep.
    func activity(of channel: Channel) -> ConnectionActivity? {
        open[ObjectIdentifier(channel)]?.activity
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let channel = unwrapInboundIn(data)
        guard allClosed == nil else {
            channel.close(mode: .all, promise: nil)
            return
        }
        let address = channel.remoteAddress?.ipAddress ?? "-"
        let peer = channel.remoteAddress.flatMap(IPAddress.init(socketAddress:))
        let isProxy = peer.map(trustedProxies.contains) ?? false
        let candidates = open.map { id, entry in
            ConnectionAdmission.Candidate(id: id, address: entry.activity.address, standing: entry.activity.standing)
        }
        switch ConnectionAdmission.decide(
            address: address, open: candidates, maxConnections: maxConnections,
            maxPerAddress: isProxy ? maxConnections : maxPerAddress
        ) {
        case .refuse:
            channel.close(mode: .all, promise: nil)
            return
        case .admitInPlaceOf(let id):
            open.removeValue(forKey: id)?.channel.close(promise: nil)
        case .admit:
            break
        }
        let id = ObjectIdentifier(channel)
        let activity = ConnectionActivity(address: address, standing: .receivingHead(bytes: 0, since: context.eventLoop.now))
        open[id] = (channel, activity)
        channel.closeFuture.hop(to: context.eventLoop).assumeIsolated().whenComplete { _ in
            if self.open[id]?.channel === channel { self.open[id] = nil }
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
        for (channel, _) in open.values {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let timeout = eventLoop.assumeIsolated().scheduleTask(in: deadline) {
            for (channel, _) in self.open.values { channel.close(promise: nil) }
        }
        promise.futureResult.whenComplete { _ in timeout.cancel() }
        return promise.futureResult
    }
}

@available(*, unavailable)
extension ConnectionTracker: Sendable {}
