import FileDropStorage
import Logging
import NIOCore
import NIOHTTP1

/// One connection's requests, one at a time (`HTTPServerPipelineHandler` sits before it):
/// find the client (through trusted proxies), refuse a browser that reached a loopback
/// address under a foreign name (`HostCheck`), route, authenticate, read the body the
/// endpoint needs, answer, log.
///
/// Small bodies (login forms) are collected in memory up to `smallBodyLimit`, counted against
/// the server's `MemoryBudget`; an upload's body is handed piece by piece to its
/// `StreamedBody` (`Routes.startStreamedBody` says which endpoints stream and makes it),
/// which may pause reading from the socket while the database catches up or the budget is
/// spent (reads are held back in `read(context:)`, and `TimeoutHandler` is told, so that the
/// client's clocks stop meanwhile) and may answer before the body's end, through the closures
/// the handler gives it.
///
/// An answer given before the body was read (401, 413, 415, ...) is sent at once; the rest
/// of the body is then read and dropped (`TimeoutHandler` bounds how much and how long), and
/// the connection closed. A body the HTTP parser refuses midway (a malformed chunk) is
/// answered with 400, then the connection closes. Writing answers and the access log: see
/// `HTTPHandler+Answers.swift`.
final class HTTPHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    static let smallBodyLimit = 64 * 1024

    enum State {
        case idle
        case collecting(Exchange, ByteBuffer)
        case streaming(Exchange, any StreamedBody)
        /// A streaming endpoint is still deciding (`StreamedBodyStart.pending`): reading is
        /// paused; body pieces already decoded wait here, and whether the body ended.
        case deciding(Exchange, [ByteBuffer], ended: Bool)
        /// Answered before the body was read; drop the body, then close.
        case discarding
        /// The request is complete and its answer is being made or written.
        case responding
    }

    let server: ServerContext
    var state = State.idle
    var context: ChannelHandlerContext?
    /// An early answer went out while the body was still coming: close when it ends.
    var closeAfterBody = false
    /// The request being served and what its access-log line needs (`HTTPHandler+Answers`).
    var current: CurrentRequest?

    /// The streamed body asked to stop reading.
    private var bodyPaused = false
    /// A streaming endpoint is deciding whether to take the body.
    private var deciding = false
    /// The collected body waits for its share of the memory budget.
    private var budgetTicket: MemoryBudget.Ticket?
    private var readsPaused = false
    private var readPending = false
    /// The connection's two ends, looked at on its first request.
    private var peer: Peer?

    /// What a connection's requests need of its two ends: the same for each of them.
    private struct Peer {
        let address: IPAddress?
        let texts: ClientTexts
        /// The server's end is a loopback address (`HostCheck` applies).
        let reachedOnLoopback: Bool

        init(_ channel: Channel) {
            address = channel.remoteAddress.flatMap { IPAddress(socketAddress: $0) }
            texts = ClientTexts(ClientOrigin(address: address))
            reachedOnLoopback = channel.localAddress.flatMap { IPAddress(socketAddress: $0) }?.isLoopback ?? false
        }
    }

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
        let peer = self.peer ?? Peer(context.channel)
        self.peer = peer
        let origin = server.trustedProxies.origin(peer: peer.address, headers: head.headers)
        let request =
            origin.throughTrustedProxy
            ? Request(head: head, origin: origin, receivedAt: .now)
            : Request(head: head, origin: origin, texts: peer.texts, receivedAt: .now)
        var exchange = Exchange(request: request)
        closeAfterBody = false
        releaseBodyBudget()
        let current = CurrentRequest(exchange: exchange)
        self.current = current

        if !origin.throughTrustedProxy, peer.reachedOnLoopback, let refusal = HostCheck.refusal(request) {
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
        current.exchange.endpoint = endpoint

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
                current.exchange.principal = principal
                if let refusal = CrossSiteCheck.refusal(request: request, principal: principal) {
                    return answerEarly(exchange, refusal, context: context)
                }
            }
        }

        if let start = server.routes.startStreamedBody(exchange, connection: streamedBodyConnection(exchange)) {
            switch start {
            case .refused(let response):
                return answerEarly(exchange, response, context: context)
            case .accepted(let body):
                state = .streaming(exchange, body)
            case .pending(let decision):
                state = .deciding(exchange, [], ended: false)
                deciding = true
                updateReading()
                decision.assumeIsolated().whenComplete { result in self.decided(exchange, result) }
                return  // `100 Continue`, if asked for, waits for the decision
            }
        } else {
            let declared = request.declaredBodyLength
            if let declared, declared > Self.smallBodyLimit {
                return answerEarly(exchange, .message(.payloadTooLarge, "Request body too large"), context: context)
            }
            reserveBodyBudget(min(declared ?? Self.smallBodyLimit, Self.smallBodyLimit))
            state = .collecting(exchange, context.channel.allocator.buffer(capacity: 0))
        }
        if request.expectsContinue {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
        }
    }

    /// What a streamed body may ask of this connection.
    private func streamedBodyConnection(_ exchange: Exchange) -> StreamedBodyConnection {
        StreamedBodyConnection(
            pauseReading: { [weak self] in self?.setBodyPaused(true) },
            resumeReading: { [weak self] in self?.setBodyPaused(false) },
            answerNow: { [weak self] response in self?.streamFailed(exchange, response) }
        )
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
        case .deciding(let exchange, var pieces, _):
            pieces.append(buffer)
            state = .deciding(exchange, pieces, ended: false)
        case .idle, .discarding, .responding:
            break
        }
    }

    /// A streaming endpoint decided: stream what arrived meanwhile into the accepted body, or
    /// answer the refusal.
    private func decided(_ exchange: Exchange, _ result: Result<StreamedBodyStart, Error>) {
        deciding = false
        guard case .deciding(_, let pieces, let ended) = state, let context else {
            // The connection went away while deciding: an accepted body is forgotten at once.
            if case .success(.accepted(let body)) = result { body.abort() }
            return
        }
        let start: StreamedBodyStart
        switch result {
        case .success(let decision): start = decision
        case .failure(let error): start = .refused(Result<Response, Error>.failure(error).orInternalError(server.logger))
        }
        switch start {
        case .accepted(let body):
            state = .streaming(exchange, body)
            if exchange.request.expectsContinue {
                let head = HTTPResponseHead(version: exchange.request.head.version, status: .continue)
                context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
            }
            for piece in pieces { receive(piece, context: context) }
            if ended { end(context: context) }
            updateReading()
        case .refused(let response):
            updateReading()
            if ended {
                state = .responding  // the whole body is in: the connection may stay open
                send(response, for: exchange)
            } else {
                answerEarly(exchange, response, context: context)
            }
        case .pending:
            preconditionFailure("a pending start must decide with .accepted or .refused")
        }
    }

    private func end(context: ChannelHandlerContext) {
        switch state {
        case .collecting(let exchange, let body):
            state = .responding
            if let response = server.routes.answerFromMemory(exchange) {
                return send(response, for: exchange)
            }
            server.routes.handle(exchange, body: body).assumeIsolated().whenComplete { result in
                self.send(result.orInternalError(self.server.logger), for: exchange)
            }
        case .streaming(let exchange, let body):
            state = .responding
            setBodyPaused(false)
            body.finish().assumeIsolated().whenComplete { result in
                self.send(result.orInternalError(self.server.logger), for: exchange)
            }
        case .deciding(let exchange, let pieces, _):
            state = .deciding(exchange, pieces, ended: true)
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
        logCutOff()
        releaseBodyBudget()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let timedOut = event as? TimeoutHandler.ConnectionTimedOut {
            current?.cutOffReason = timedOut.reason.rawValue
            server.logger.debug("closing a connection from \(current?.exchange.request.clientAddress ?? "-"): \(timedOut.reason.rawValue)")
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A request cut off by the connection closing (a timeout, the client leaving) is
        // answered by no one: only a live connection gets its 400 or 431.
        guard let parserError = error as? HTTPParserError, context.channel.isActive else {
            if !(error is HTTPParserError) { server.logger.debug("connection error: \(error)") }
            return context.close(promise: nil)  // closed: a body cut off at its end is no news
        }
        let status: HTTPResponseStatus = parserError == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
        let exchange: Exchange
        switch state {
        case .idle:
            let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "-")
            exchange = Exchange(request: Request(head: head, clientAddress: "-", receivedAt: .now))
            current = CurrentRequest(exchange: exchange)
        case .collecting(let collected, _), .deciding(let collected, _, _):
            exchange = collected
        case .streaming(let streamed, let body):
            body.abort()
            exchange = streamed
        case .discarding, .responding:
            return context.close(promise: nil)  // an answer is already on its way
        }
        var response = Response.message(status, status == .badRequest ? "Malformed request" : "Request head too large")
        response.closeConnection = true
        state = .responding
        setBodyPaused(false)
        send(response, for: exchange)
    }

    // MARK: Holding reads back

    func read(context: ChannelHandlerContext) {
        if readsPaused {
            readPending = true
        } else {
            context.read()
        }
    }

    private func setBodyPaused(_ paused: Bool) {
        bodyPaused = paused
        updateReading()
    }

    /// Stops reading from the socket while the streamed body or the budget asks it, and tells
    /// `TimeoutHandler` (the wait is the server's doing, not the client's).
    private func updateReading() {
        let paused = bodyPaused || deciding || budgetTicket != nil
        guard paused != readsPaused, let context else { return }
        readsPaused = paused
        context.triggerUserOutboundEvent(paused ? TimeoutHandler.ReadingHeld.held : .resumed, promise: nil)
        if !paused && readPending {
            readPending = false
            context.read()
        }
    }

    /// Takes the collected body's share of the budget, waiting (not reading) until it is free.
    private func reserveBodyBudget(_ bytes: Int) {
        guard bytes > 0 else { return }
        current?.budgetBytes = bytes
        budgetTicket = server.budget.reserve(bytes) { [weak self] in
            self?.budgetTicket = nil
            self?.updateReading()
        }
        updateReading()
    }

    /// Gives the collected body's share back (its answer is made, or the connection closed).
    func releaseBodyBudget() {
        if let budgetTicket {
            server.budget.cancel(budgetTicket)
            self.budgetTicket = nil
            current?.budgetBytes = 0
            updateReading()
        }
        if let bytes = current?.budgetBytes, bytes > 0 {
            current?.budgetBytes = 0
            server.budget.release(bytes)
        }
    }

    /// A streamed body failed before it ended: answer now, drop the rest of the body.
    private func streamFailed(_ exchange: Exchange, _ response: Response) {
        guard let context, case .streaming = state else { return }
        setBodyPaused(false)
        answerEarly(exchange, response, context: context)
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
