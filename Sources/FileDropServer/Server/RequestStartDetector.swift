import NIOCore

/// Sits before the HTTP decoder and tells `TimeoutHandler` that bytes arrived, so that the
/// head deadline of a kept-alive connection's next request starts with its first byte.
final class RequestStartDetector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireUserInboundEventTriggered(TimeoutHandler.BytesArrived())
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension RequestStartDetector: Sendable {}
