import NIOCore
import Testing

@testable import FileDropServer

/// Everything that is decided before the database is asked: routing, auth, limits, assets,
/// timeouts.
@Suite struct PipelineTests {
    @Test func unknownPathsAre404AndTheConnectionStaysOpen() throws {
        let harness = try PipelineHarness()
        let answer = try harness.exchange("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(answer.hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        #expect(answer.hasSuffix("{\"message\":\"Not found\"}"))
        #expect(harness.isOpen)
        #expect(try harness.exchange("PUT /files HTTP/1.1\r\nHost: x\r\n\r\n").contains("Allow: GET, HEAD\r\n"))
    }

    @Test func aRouteNeedingATokenIs401WithABearerChallenge() throws {
        let harness = try PipelineHarness()
        let missing = try harness.exchange("GET /files HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(missing.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"))
        #expect(missing.contains("WWW-Authenticate: Bearer realm=\"FileDrop\"\r\n"))
        #expect(missing.hasSuffix("{\"message\":\"Token missing\"}"))
        let invalid = try harness.exchange("GET /files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a.b.c\r\n\r\n")
        #expect(invalid.hasSuffix("{\"message\":\"Invalid token\"}"))
    }

    @Test func anUploadWithoutATokenIsRefusedBeforeItsBody() throws {
        let harness = try PipelineHarness()
        let answer = try harness.exchange(
            "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                + "Content-Length: 100000000\r\nExpect: 100-continue\r\n\r\n"
        )
        #expect(answer.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"))
        #expect(!answer.contains("100 Continue"))
        #expect(answer.contains("Connection: close\r\n"))
    }

    @Test func aRequestHeadOver16KiBIs431() throws {
        let harness = try PipelineHarness()
        let big = String(repeating: "a", count: 17 * 1024)
        let answer = try harness.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(big)\r\n\r\n")
        #expect(answer.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
        #expect(!harness.isOpen)
    }

    @Test func garbageIs400AndCloses() throws {
        let harness = try PipelineHarness()
        let answer = try harness.exchange("NOT HTTP AT ALL\r\n\r\n")
        #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(!harness.isOpen)
    }

    @Test func staticAssetsRevalidateWithTheirETag() throws {
        let harness = try PipelineHarness()
        let first = try harness.exchange("GET /static/app.css HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(first.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(first.contains("Content-Type: text/css; charset=utf-8\r\n"))
        let etag = try #require(first.split(separator: "\r\n").first { $0.hasPrefix("ETag: ") }?.dropFirst(6))
        let second = try harness.exchange("GET /static/app.css HTTP/1.1\r\nHost: x\r\nIf-None-Match: \(etag)\r\n\r\n")
        #expect(second.hasPrefix("HTTP/1.1 304 Not Modified\r\n"))
    }

    @Test func aBrowserWithoutATokenGetsTheLoginPageWithSecurityHeaders() throws {
        let harness = try PipelineHarness()
        let answer = try harness.exchange("GET / HTTP/1.1\r\nHost: x\r\nAccept: text/html,*/*;q=0.8\r\n\r\n")
        #expect(answer.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"))
        for header in [
            "Content-Type: text/html; charset=utf-8", "X-Frame-Options: DENY", "X-Content-Type-Options: nosniff",
            "Referrer-Policy: same-origin", "Content-Security-Policy: default-src 'none'; script-src 'self'",
        ] {
            #expect(answer.contains(header), "missing \(header)")
        }
        #expect(answer.contains("name=\"password\""))
    }

    @Test func aRequestHeadMustArriveWithinTenSeconds() throws {
        let harness = try PipelineHarness()
        try harness.channel.writeInbound(ByteBuffer(string: "GET /healthz HTTP/1.1\r\n"))
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(harness.isOpen)
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!harness.isOpen)
        // Closed without an answer: a client that never finished its head gets nothing.
        let written = try harness.channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) }
        #expect(written == nil)
    }

    @Test func anIdleKeptAliveConnectionClosesAfterSixtySeconds() throws {
        let harness = try PipelineHarness()
        _ = try harness.exchange("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(59))
        #expect(harness.isOpen)
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!harness.isOpen)
    }

    @Test func aBodyMayIdleThirtySecondsBetweenReads() throws {
        var configuration = ServerConfiguration()
        // 1 B/s: 31 bytes buy 30 + 31 s, so only the idle limit can end this body.
        configuration.limits.bodyMinimumRate = 1
        let harness = try PipelineHarness(configuration: configuration)
        try harness.channel.writeInbound(
            ByteBuffer(string: "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{")
        )
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        try harness.channel.writeInbound(ByteBuffer(string: "\"username\":\"ann\",\"password\":\""))
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        #expect(harness.isOpen)
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!harness.isOpen)
    }

    @Test func aBodyThatTricklesInIsCutOffAtTheMinimumRate() throws {
        let harness = try PipelineHarness()
        try harness.channel.writeInbound(
            ByteBuffer(string: "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
        )
        // A byte every 25 s passes the 30 s idle limit, but not the 1 KiB/s average after 30 s.
        for _ in 0..<1 {
            harness.channel.embeddedEventLoop.advanceTime(by: .seconds(25))
            try harness.channel.writeInbound(ByteBuffer(string: "x"))
        }
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(harness.isOpen)
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!harness.isOpen)
    }

    @Test func aResponseThatStopsDrainingIsAbandoned() throws {
        let harness = try PipelineHarness()
        let socket = StalledSocket()
        try harness.channel.pipeline.syncOperations.addHandler(socket, position: .first)
        try harness.channel.writeInbound(ByteBuffer(string: "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(socket.held > 0)
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(59))
        #expect(harness.isOpen)
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!harness.isOpen)
    }

    @Test func aResponseThatDrainsSlowlyIsNotAbandoned() throws {
        let harness = try PipelineHarness()
        let socket = StalledSocket()
        try harness.channel.pipeline.syncOperations.addHandler(socket, position: .first)
        // The kernel's count of acknowledged bytes, as a socket would give it.
        let timeouts = try harness.channel.pipeline.syncOperations.handler(type: TimeoutHandler.self)
        timeouts.bytesAcknowledged = { channel in channel.eventLoop.makeSucceededFuture(UInt64(socket.drainedBytes)) }
        try harness.channel.writeInbound(ByteBuffer(string: "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
        // One write drains every 50 s: never 60 s without progress, although the answer's
        // head and body are written without a promise and only its end says when it is out.
        #expect(socket.held == 3)
        while socket.held > 0 {
            harness.channel.embeddedEventLoop.advanceTime(by: .seconds(50))
            #expect(harness.isOpen)
            socket.drainOne()
        }
        #expect(harness.isOpen)
    }

    @Test func answersFromMemoryAreFlushedTogetherAtTheEndOfTheLoopsTick() throws {
        let harness = try PipelineHarness()
        let second = try harness.secondConnection()
        try harness.channel.writeInbound(ByteBuffer(string: "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
        try second.writeInbound(ByteBuffer(string: "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
        // Both answers are written, neither is flushed yet: the loop has not finished its tick.
        #expect(try harness.channel.readOutbound(as: ByteBuffer.self) == nil)
        #expect(try second.readOutbound(as: ByteBuffer.self) == nil)
        harness.channel.embeddedEventLoop.run()
        #expect(try harness.readAnswer().hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(try harness.readAnswer(on: second).hasPrefix("HTTP/1.1 200 OK\r\n"))
        _ = try second.finish(acceptAlreadyClosed: true)
    }

    @Test func pipelinedRequestsAreEachAnsweredAndCountedAsThemselves() throws {
        let harness = try PipelineHarness()
        // The second request arrives with the first, and begins before the first's answer has
        // reached the socket.
        let answer = try harness.exchange(
            "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        let statuses = answer.split(separator: "HTTP/1.1 ").map { String($0.prefix { $0 != "\r\n" }) }
        #expect(statuses == ["200 OK", "404 Not Found", "200 OK"])
        let requests = harness.context.metrics.http.requests
        #expect(requests[HTTPMetrics.RouteStatus(route: "healthz", status: 200)] == 2)
        #expect(requests[HTTPMetrics.RouteStatus(route: "unmatched", status: 404)] == 1)
        #expect(harness.isOpen)
    }
}

/// The socket end of a pipeline whose client reads nothing: writes are kept, their promises
/// left pending, until the test drains them.
final class StalledSocket: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    private var pending: [(NIOAny, EventLoopPromise<Void>?)] = []
    private var context: ChannelHandlerContext?

    var held: Int { pending.count }
    /// Bytes let through so far.
    private(set) var drainedBytes = 0

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        pending.append((data, promise))
    }

    func flush(context: ChannelHandlerContext) {}

    /// Lets the oldest write through.
    func drainOne() {
        let (data, promise) = pending.removeFirst()
        drainedBytes += unwrapOutboundIn(data).readableBytes
        context?.writeAndFlush(data, promise: promise)
    }
}
