import NIOCore

/// Sits before the HTTP decoder and tells `TimeoutHandler` how many bytes arrived, so that
/// the head deadline of a kept-alive connection's next request starts with its first byte,
/// and the connection cap knows how much of a request head each connection has sent.
///
/// It calls the connection's `TimeoutHandler` directly rather than sending an event down the
/// pipeline: an event on every read passed the decoder and the pipelining handler on its way
/// and cost 7 % of a `GET /` (profile of the release build under wrk, issue #14).
final class RequestStartDetector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeouts: TimeoutHandler

    init(timeouts: TimeoutHandler) {
        self.timeouts = timeouts
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        timeouts.bytesArrived(unwrapInboundIn(data).readableBytes)
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension RequestStartDetector: Sendable {}
