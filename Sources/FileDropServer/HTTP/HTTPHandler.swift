import FileDropStorage
import Logging
import NIOCore
import NIOHTTP1

/// One connection's requests, one at a time (`HTTPServerPipelineHandler` sits before it):
/// find the client (through trusted proxies), refuse a browser that reached a loopback
/// address under a foreign name (`HostCheck`), route, authenticate, read the body the
/// endpoint needs, answer, log.
///
/// Small bodies (login forms) are collected in memory up to `smallBodyLimit`; an upload's
/// body is handed piece by piece to its `StreamedBody` (`Routes.startStreamedBody` says
/// which endpoints stream and makes it), which may pause reading from the
/// socket while the database catches up (reads are held back in `read(context:)`) and may
/// answer before the body's end, through the closures the handler gives it.
/// An answer given before the body was read (401, 413, 415, ...) is sent at once; the rest
/// of the body is then read and dropped, and the connection closed.
final class HTTPHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    static let smallBodyLimit = 64 * 1024

    private enum State {
        case idle
        case collecting(Exchange, ByteBuffer)
        case streaming(Exchange, any StreamedBody)
        /// Answered before the body was read; drop the body, then close.
        case discarding
        /// The request is complete and its answer is being made or written.
        case responding
    }

    private let server: ServerContext
    private var state = State.idle
    private var readsPaused = false
    private var readPending = false
    private var context: ChannelHandlerContext?
    /// An early answer went out while the body was still coming: close when it ends.
    private var closeAfterBody = false

    init(server: ServerContext) {
        self.server = server
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        server.metrics.http.connectionOpened()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        server.metrics.http.connectionClosed()
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            begin(head, context: context)
        case .body(let buffer):
            server.metrics.http.received(buffer.readableBytes)
            receive(buffer, context: context)
        case .end:
            end(context: context)
        }
    }

    private func begin(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let peer = context.channel.remoteAddress.flatMap { IPAddress(socketAddress: $0) }
        let origin = server.trustedProxies.origin(peer: peer, headers: head.headers)
        let request = Request(head: head, origin: origin, receivedAt: .now)
        var exchange = Exchange(request: request)
        closeAfterBody = false

        if !origin.throughTrustedProxy, let local = context.channel.localAddress.flatMap({ IPAddress(socketAddress: $0) }),
            local.isLoopback, let refusal = HostCheck.refusal(request)
        {
            return answerEarly(exchange, refusal, context: context)
        }

        let endpoint: Endpoint
        switch Router.match(method: head.method, path: request.path, methodOverride: head.headers.first(name: "x-http-method-override")) {
        case .notFound:
            return answerEarly(exchange, .message(.notFound, "Not found"), context: context)
        case .methodNotAllowed(let allow):
            var response = Response.message(.methodNotAllowed, "Method not allowed")
            response.headers.add(name: "Allow", value: allow.joined(separator: ", "))
            return answerEarly(exchange, response, context: context)
        case .endpoint(let matched):
            endpoint = matched
        }
        exchange.endpoint = endpoint

        if endpoint == .metrics, server.metricsAccess.allows(request) {
            // The metrics token: this route only, no user.
        } else if endpoint.requiresToken {
            switch server.authenticator.authenticate(request, now: server.clock.unixSeconds) {
            case .failure(let failure):
                if endpoint == .logout, failure == .invalid {
                    break  // a stale cookie must not keep anyone from signing out
                }
                return answerEarly(exchange, Routes.unauthorized(failure, request: request), context: context)
            case .success(let principal):
                exchange.principal = principal
                if let refusal = CrossSiteCheck.refusal(request: request, principal: principal) {
                    return answerEarly(exchange, refusal, context: context)
                }
            }
        }

        let connection = StreamedBodyConnection(
            pauseReading: { [weak self] in self?.pauseReading() },
            resumeReading: { [weak self] in self?.resumeReading() },
            answerNow: { [weak self] response in self?.streamFailed(exchange, response) }
        )
        if let start = server.routes.startStreamedBody(exchange, connection: connection) {
            switch start {
            case .refused(let response):
                return answerEarly(exchange, response, context: context)
            case .accepted(let body):
                state = .streaming(exchange, body)
            }
        } else {
            if let declared = request.declaredBodyLength, declared > Self.smallBodyLimit {
                return answerEarly(exchange, .message(.payloadTooLarge, "Request body too large"), context: context)
            }
            state = .collecting(exchange, context.channel.allocator.buffer(capacity: 0))
        }
        if request.expectsContinue {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
        }
    }

    private func receive(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        switch state {
        case .collecting(let exchange, var body):
            guard body.readableBytes + buffer.readableBytes <= Self.smallBodyLimit else {
                return answerEarly(exchange, .message(.payloadTooLarge, "Request body too large"), context: context)
            }
            var buffer = buffer
            state = .idle  // avoid a copy-on-write of `body` while it is appended to
            body.writeBuffer(&buffer)
            state = .collecting(exchange, body)
        case .streaming(_, let body):
            body.receive(buffer)
        case .idle, .discarding, .responding:
            break
        }
    }

    private func end(context: ChannelHandlerContext) {
        switch state {
        case .collecting(let exchange, let body):
            state = .responding
            server.routes.handle(exchange, body: body).assumeIsolated().whenComplete { result in
                self.send(result.orInternalError(self.server.logger), for: exchange)
            }
        case .streaming(let exchange, let body):
            state = .responding
            body.finish().assumeIsolated().whenComplete { result in
                self.send(result.orInternalError(self.server.logger), for: exchange)
            }
        case .discarding:
            state = .idle
            if closeAfterBody { context.close(promise: nil) }
        case .idle, .responding:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .streaming(_, let body) = state {
            body.abort()
        }
        state = .idle
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A head cut off by the connection closing (a timeout, the client leaving) is answered by
        // no one: only a live connection gets its 400 or 431.
        if let parserError = error as? HTTPParserError, case .idle = state, context.channel.isActive {
            let status: HTTPResponseStatus = parserError == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
            let message = status == .badRequest ? "Malformed request" : "Request head too large"
            var response = Response.message(status, message)
            response.closeConnection = true
            let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "-")
            state = .responding
            send(response, for: Exchange(request: Request(head: head, clientAddress: "-", receivedAt: .now)))
            return
        }
        if !(error is HTTPParserError) {
            server.logger.debug("connection error: \(error)")
        }
        context.close(promise: nil)
    }

    // MARK: Outbound and backpressure

    func read(context: ChannelHandlerContext) {
        if readsPaused {
            readPending = true
        } else {
            context.read()
        }
    }

    /// Stops reading from the socket until `resumeReading`; the upload's database writes
    /// have fallen behind.
    private func pauseReading() {
        readsPaused = true
    }

    private func resumeReading() {
        readsPaused = false
        if readPending, let context {
            readPending = false
            context.read()
        }
    }

    /// A streamed body failed before it ended: answer now, drop the rest of the body.
    private func streamFailed(_ exchange: Exchange, _ response: Response) {
        guard let context, case .streaming = state else { return }
        resumeReading()
        answerEarly(exchange, response, context: context)
    }

    // MARK: Writing answers

    private func answerEarly(_ exchange: Exchange, _ response: Response, context: ChannelHandlerContext) {
        var response = response
        let request = exchange.request
        if request.declaredBodyLength != 0 {
            // The body is still coming (or, after `Expect: 100-continue`, never will).
            response.closeConnection = true
            closeAfterBody = !request.expectsContinue
        }
        state = .discarding
        send(response, for: exchange)
    }

    private func send(_ response: Response, for exchange: Exchange) {
        guard let context else { return }
        var response = response
        let request = exchange.request
        let close = response.closeConnection || !request.head.isKeepAlive
        if response.status != .noContent && response.status != .notModified {
            // 204 must not carry a length, and a 304's would have to be the full entity's.
            response.headers.replaceOrAdd(name: "Content-Length", value: String(response.contentLength))
        }
        if close { response.headers.replaceOrAdd(name: "Connection", value: "close") }
        response.headers.add(contentsOf: Routes.headersOnEveryAnswer(to: request))
        let head = HTTPResponseHead(version: request.head.version, status: response.status, headers: response.headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)

        let finished: EventLoopFuture<Int64>
        let isHead = request.method == .HEAD
        switch response.body {
        case .bytes(let bytes):
            if !isHead && bytes.readableBytes > 0 {
                context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
            }
            finished = context.writeAndFlush(wrapOutboundOut(.end(nil))).map { isHead ? 0 : Int64(bytes.readableBytes) }
        case .download(let download):
            if isHead {
                finished = context.writeAndFlush(wrapOutboundOut(.end(nil))).map { 0 }
            } else {
                context.flush()
                finished = DownloadWriter(
                    download: download, storage: server.storage, eventLoop: context.eventLoop,
                    writeBody: { [weak self] buffer in
                        self?.writeBodyPart(buffer) ?? context.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
                    },
                    writeEnd: { [weak self] in self?.writeEnd() ?? context.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
                ).start()
            }
        }
        finished.assumeIsolated().whenComplete { result in
            let bytes = (try? result.get()) ?? -1
            AccessLog.record(exchange, status: response.status, bytes: bytes, logger: self.server.logger)
            self.server.metrics.http.record(
                route: exchange.endpoint?.metricName ?? "unmatched", status: Int(response.status.code), bytesSent: bytes,
                seconds: exchange.request.elapsedSeconds
            )
            if case .responding = self.state { self.state = .idle }
            if close || bytes < 0 {
                if case .discarding = self.state, self.closeAfterBody { return }  // closed at the body's end
                self.context?.close(promise: nil)
            }
        }
    }

    /// Writes one piece of a streamed body; completes when it has been written to the socket.
    private func writeBodyPart(_ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        guard let context else { return server.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        return context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))))
    }

    private func writeEnd() -> EventLoopFuture<Void> {
        guard let context else { return server.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        return context.writeAndFlush(wrapOutboundOut(.end(nil)))
    }
}

@available(*, unavailable)
extension HTTPHandler: Sendable {}

extension Result where Success == Response {
    /// A route's failure becomes a 500 with a generic body; the details go to the log. A
    /// disk with no room is not the server's fault nor a mystery: 507, saying so.
    func orInternalError(_ logger: Logger) -> Response {
        switch self {
        case .success(let response): return response
        case .failure(let error) where error.isOutOfSpace:
            logger.warning("request refused: no room on the disk (\(error))")
            return .message(.insufficientStorage, "The server's disk is full")
        case .failure(let error):
            logger.error("request failed: \(error)")
            return .message(.internalServerError, "Internal server error")
        }
    }
}
