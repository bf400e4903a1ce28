import NIOCore
import NIOHTTP1

/// What the handler knows of the request it serves, for the access log and the budget. A
/// class: it is updated in place as the request goes on (a struct of this size was copied
/// whole at each update, with a reference count change for each of its strings).
final class CurrentRequest {
    var exchange: Exchange
    /// The status of the answer's head, once written.
    var status: HTTPResponseStatus?
    var logged = false
    /// Why the connection was closed under it (a timeout), when it was.
    var cutOffReason: String?
    /// Budget held for the collected body.
    var budgetBytes = 0

    init(exchange: Exchange) {
        self.exchange = exchange
    }
}

@available(*, unavailable)
extension CurrentRequest: Sendable {}

/// Writing answers, and the one access-log line of each request.
extension HTTPHandler {
    /// Body pieces are written in slices of at most this many bytes, each with a promise, so
    /// that each slice's completion tells `TimeoutHandler` the answer is still draining (its
    /// write-progress clock sees 64 KiB steps, not 1 MiB chunks, even where the kernel's
    /// acknowledged count is not at hand).
    static let writeSlice = 64 * 1024

    func answerEarly(_ exchange: Exchange, _ response: Response, context: ChannelHandlerContext) {
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

    func send(_ response: Response, for exchange: Exchange) {
        guard let context else { return }  // closed meanwhile: `channelInactive` logged it
        var response = response
        let request = exchange.request
        if exchange.endpoint?.isPublicLink == true { response.applyPublicLinkPolicy() }
        let close = response.closeConnection || !request.head.isKeepAlive
        if response.status != .noContent && response.status != .notModified {
            // 204 must not carry a length, and a 304's would have to be the full entity's.
            response.headers.replaceOrAdd(name: "Content-Length", value: String(response.contentLength))
        }
        if close { response.headers.replaceOrAdd(name: "Connection", value: "close") }
        let everyAnswer = Routes.headersOnEveryAnswer(to: request)
        if !everyAnswer.isEmpty { response.headers.add(contentsOf: everyAnswer) }
        let head = HTTPResponseHead(version: request.head.version, status: response.status, headers: response.headers)
        // Its exchange is this one (`begin` keeps it up to date). Kept for the answer's end: a
        // pipelined request may begin before this answer has reached the socket.
        let answering = current
        answering?.status = response.status
        context.write(wrapOutboundOut(.head(head)), promise: nil)

        let isHead = request.method == .HEAD
        switch response.body {
        case .bytes(let bytes):
            let count = isHead ? 0 : bytes.readableBytes
            server.budget.charge(count)
            if count > 0 {
                context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
            }
            // One callback, no chain of futures: every cached page comes this way. Flushed with
            // the other answers made in this tick of the event loop (`FlushBatch`).
            let written = context.write(wrapOutboundOut(.end(nil)))
            server.flushBatch.flushSoon(context)
            written.assumeIsolated().whenComplete { result in
                self.server.budget.release(count)
                self.answered(result.map { Int64(count) }, close: close, request: answering)
            }
        case .download(let download):
            let finished: EventLoopFuture<Int64>
            if isHead {
                finished = context.writeAndFlush(wrapOutboundOut(.end(nil))).map { 0 }
            } else {
                context.flush()
                finished = DownloadWriter(
                    download: download, storage: server.storage, budget: server.budget, eventLoop: context.eventLoop,
                    writeBody: { [weak self] buffer in
                        self?.writeBodyPart(buffer) ?? context.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
                    },
                    writeEnd: { [weak self] in self?.writeEnd() ?? context.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
                ).start()
            }
            finished.assumeIsolated().whenComplete { result in self.answered(result, close: close, request: answering) }
        }
    }

    /// An answer was written whole (its body's byte count), or failed midway: log it, and
    /// close the connection if it must be. `request` is the one it answered; when the next
    /// (pipelined) request has begun meanwhile, that one's state and budget are left alone.
    private func answered(_ result: Result<Int64, Error>, close: Bool, request: CurrentRequest?) {
        switch result {
        case .success(let bytes):
            logCompleted(request, bytes: bytes)
        case .failure(let error):
            if let missing = (error as? DownloadWriter.CutOff)?.underlying as? DownloadWriter.MissingChunk {
                server.logger.error("file \(missing.fileID) has no full chunk \(missing.sequence): run 'app check'")
            }
            logCutOff(request, bytes: (error as? DownloadWriter.CutOff)?.bytesWritten ?? 0)
        }
        if request === current {
            releaseBodyBudget()
            if case .responding = state { state = .idle }
        }
        if close || result.isFailure {
            if case .discarding = state, closeAfterBody, !result.isFailure { return }  // closed at the body's end
            context?.close(promise: nil)
        }
    }

    /// Writes one piece of a streamed body; completes when it has been written to the socket.
    private func writeBodyPart(_ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        guard let context else { return server.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        var rest = buffer
        while rest.readableBytes > Self.writeSlice {
            _ = context.write(wrapOutboundOut(.body(.byteBuffer(rest.readSlice(length: Self.writeSlice)!))))
        }
        return context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(rest))))
    }

    private func writeEnd() -> EventLoopFuture<Void> {
        guard let context else { return server.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        return context.writeAndFlush(wrapOutboundOut(.end(nil)))
    }

    // MARK: The access log

    private func logCompleted(_ current: CurrentRequest?, bytes: Int64) {
        guard let current, !current.logged else { return }
        current.logged = true
        AccessLog.record(
            current.exchange, status: current.status, bytes: bytes, cutOff: nil, logger: server.logger, lineHandler: server.lineHandler)
        recordMetrics(current, bytes: bytes)
    }

    /// Logs a request (the current one unless told) as cut off midway, unless its line is
    /// written already.
    func logCutOff(_ request: CurrentRequest? = nil, bytes: Int64 = 0) {
        guard let current = request ?? current, !current.logged else { return }
        current.logged = true
        let reason = current.cutOffReason ?? "connection closed"
        AccessLog.record(
            current.exchange, status: current.status, bytes: bytes, cutOff: reason, logger: server.logger, lineHandler: server.lineHandler)
        recordMetrics(current, bytes: bytes)
    }

    /// Counts an answered request (one cut off before any answer has no status to count).
    private func recordMetrics(_ current: CurrentRequest, bytes: Int64) {
        guard let status = current.status else { return }
        server.metrics.http.record(
            route: current.exchange.endpoint?.metricName ?? "unmatched", status: Int(status.code), bytesSent: bytes,
            seconds: current.exchange.request.elapsedSeconds
        )
    }
}

extension Result {
    fileprivate var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
