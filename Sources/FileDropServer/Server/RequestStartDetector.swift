import NIOCore

/// Sits before the HTTP decoder and tells `TimeoutHandler` how many bytes arrived, so that
/// the head deadline of a kept-alive connection's next request starts with its first byte,
/// and the connection cap knows how much of a request head each connection has sent.
final class RequestStartDetector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let count = unwrapInboundIn(data).readableBytes
        context.fireUserInboundEventTriggered(TimeoutHandler.BytesArrived(count: count))
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension RequestStartDetector: Sendable {}
