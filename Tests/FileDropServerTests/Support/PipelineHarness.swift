import FileDropAuth
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Synchronization

@testable import FileDropServer
@testable import FileDropStorage

#if canImport(Glibc)
import Glibc
#endif

/// The real connection pipeline (`Server.configure`) on an `EmbeddedChannel`, fed raw HTTP
/// bytes, with a real SQLite file in a fresh folder: storage and password hashing run inline
/// on the test's thread, so a whole request, database included, completes in one write.
final class PipelineHarness {
    static let now: Double = 1_800_000_000

    let channel = EmbeddedChannel()
    let context: ServerContext
    let storage: Storage
    /// How the server's routes reach `storage` (inline unless a test chose otherwise).
    let access: any StorageAccess
    let passwords: any PasswordHashing
    private let folder: String
    /// The server's wall clock, which a test may move on (`advanceClock`).
    private final class TestTime: Sendable {
        let seconds = Mutex(PipelineHarness.now)
    }
    private let time = TestTime()

    /// - Parameters:
    ///   - clock: the server's wall clock; by default one that starts at `now` and that
    ///     `advanceClock` moves on.
    ///   - access: how requests reach the database; inline by default (a whole request
    ///     completes within one write), or a stand-in for a busy or stepped storage thread.
    ///   - passwords: how passwords are checked; inline at the cheapest cost by default.
    init(
        configuration: ServerConfiguration = ServerConfiguration(),
        clock: WallClock? = nil,
        access: ((Storage, EventLoop) -> any StorageAccess)? = nil,
        passwords: (EventLoop) -> any PasswordHashing = { InlinePasswordHashing(eventLoop: $0) }
    ) throws {
        var template = Array("/tmp/filedrop-pipeline-XXXXXX".utf8CString)
        folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        storage = try Storage(path: folder + "/app.db")
        let time = self.time
        var configuration = configuration
        configuration.databasePath = folder + "/app.db"
        self.access = access?(storage, channel.eventLoop) ?? InlineStorageAccess(storage: storage, eventLoop: channel.eventLoop)
        self.passwords = passwords(channel.eventLoop)
        context = ServerContext(
            configuration: configuration, eventLoop: channel.eventLoop, storage: self.access, passwords: self.passwords,
            key: Array(repeating: 0x61, count: 32),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            clock: clock ?? WallClock { time.seconds.withLock { $0 } }
        )
        // Tests write to `storage` behind the server's back, as another process would: the
        // listing cache reads the database again on every request unless a test says otherwise.
        context.listings.recheckMilliseconds = 0
        try Server.configure(channel, context: context).wait()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
    }

    deinit {
        _ = try? channel.finish(acceptAlreadyClosed: true)
        storage.close()
        for suffix in ["", "-wal", "-shm"] { unlink(folder + "/app.db" + suffix) }
        rmdir(folder)
    }

    /// Writes `request` and returns everything the server wrote back.
    func exchange(_ request: String) throws -> String {
        try exchange(Array(request.utf8))
    }

    func exchange(_ request: [UInt8]) throws -> String {
        try send(request)
        return try readAnswer()
    }

    /// Writes `request` (or a piece of one) and lets the loop run what it scheduled.
    func send(_ request: [UInt8], on channel: EmbeddedChannel? = nil) throws {
        let channel = channel ?? self.channel
        try channel.writeInbound(ByteBuffer(bytes: request))
        channel.embeddedEventLoop.run()
    }

    /// Another connection to the same server (same loop, same database).
    func secondConnection() throws -> EmbeddedChannel {
        let second = EmbeddedChannel(loop: channel.embeddedEventLoop)
        try Server.configure(second, context: context).wait()
        try second.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 10)).wait()
        return second
    }

    /// Everything written back on `channel` since the last read, once the loop has ended its
    /// tick (answers are flushed then: `FlushBatch`).
    func readAnswer(on channel: EmbeddedChannel) throws -> String {
        channel.embeddedEventLoop.run()
        var answer: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            answer += buffer.readableBytesView
        }
        return String(decoding: answer, as: UTF8.self)
    }

    /// Moves the server's wall clock on.
    func advanceClock(by seconds: Double) {
        time.seconds.withLock { $0 += seconds }
    }

    /// Everything written back since the last read (binary bodies decode lossily: see `readBytes`).
    func readAnswer() throws -> String {
        String(decoding: try readBytes(), as: UTF8.self)
    }

    /// Everything written back since the last read, as bytes, once the loop has ended its tick.
    func readBytes() throws -> [UInt8] {
        channel.embeddedEventLoop.run()
        var answer: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            answer += buffer.readableBytesView
        }
        return answer
    }

    /// Writes `request`; returns the head of the answer as text and its body as bytes.
    func exchangeBinary(_ request: String) throws -> (head: String, body: [UInt8]) {
        try send(Array(request.utf8))
        let bytes = try readBytes()
        let separator = Array("\r\n\r\n".utf8)
        guard let end = bytes.firstRange(of: separator)?.upperBound else { return (String(decoding: bytes, as: UTF8.self), []) }
        return (String(decoding: bytes[..<end], as: UTF8.self), Array(bytes[end...]))
    }

    var isOpen: Bool { channel.isActive }

    /// Ends the test: nothing left unread on either side.
    func finishIsClean() throws -> Bool {
        try channel.finish(acceptAlreadyClosed: true).isClean
    }

    /// Adds a user to the database, as `app user add` does, and lets the server load it.
    func addUser(_ name: String, password: String, quota: Int64? = nil) throws {
        try storage.users.add(
            name: name, passwordHash: InlinePasswordHashing.cheap.hash(password), now: Int64(Self.now) - 60, quota: quota)
        let refresher = AccountRefresher(
            eventLoop: channel.eventLoop, storage: InlineStorageAccess(storage: storage, eventLoop: channel.eventLoop),
            authenticator: context.authenticator, clock: context.clock, logger: context.logger
        )
        try refresher.start().wait()
        refresher.stop()
    }

    /// The database file, for a second connection playing another process (`app user ...`).
    var databasePath: String { folder + "/app.db" }

    /// Another connection to the same server (the same context and event loop), from
    /// `address`, for requests that must be in flight at the same time.
    func connection(from address: String) throws -> EmbeddedChannel {
        let connection = EmbeddedChannel(loop: channel.embeddedEventLoop)
        try Server.configure(connection, context: context).wait()
        try connection.connect(to: SocketAddress(ipAddress: address, port: 9)).wait()
        return connection
    }

    /// Whether the server takes `token` right now (the check every request's token gets).
    func accepts(_ token: String) -> Bool {
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/files", headers: ["Authorization": "Bearer \(token)"])
        let request = Request(head: head, clientAddress: "127.0.0.1", receivedAt: .now)
        return (try? context.authenticator.authenticate(request, now: context.clock.unixSeconds).get()) != nil
    }

    /// A valid token for `user` (added before).
    func token(for user: String) -> String {
        context.authenticator.issueToken(for: user, now: context.clock.unixSeconds).token
    }

    /// The number of rows in a table of the database.
    func count(_ table: String) throws -> Int64 {
        try storage.database.scalarInt("SELECT count(*) FROM \(table)")
    }
}

/// Raw `multipart/form-data` bodies for upload tests.
enum FormBody {
    static let boundary = "XyZzy-boundary"

    enum Part {
        case field(String, [UInt8])
        case file(name: String = "inputFile", filename: String, contentType: String? = nil, [UInt8])
    }

    static func encode(_ parts: [Part]) -> [UInt8] {
        var body: [UInt8] = []
        for part in parts {
            body += Array("--\(boundary)\r\n".utf8)
            switch part {
            case .field(let name, let value):
                body += Array("Content-Disposition: form-data; name=\"\(name)\"\r\n\r\n".utf8) + value
            case .file(let name, let filename, let contentType, let bytes):
                body += Array("Content-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\n".utf8)
                if let contentType { body += Array("Content-Type: \(contentType)\r\n".utf8) }
                body += Array("\r\n".utf8) + bytes
            }
            body += Array("\r\n".utf8)
        }
        return body + Array("--\(boundary)--\r\n".utf8)
    }

    /// `POST /upload` with this body and a `Content-Length`.
    static func request(token: String, body: [UInt8], accept: String = "*/*") -> [UInt8] {
        Array(
            ("POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nAccept: \(accept)\r\n"
                + "Content-Type: multipart/form-data; boundary=\(boundary)\r\nContent-Length: \(body.count)\r\n\r\n").utf8
        ) + body
    }

    /// The same body sent with `Transfer-Encoding: chunked`, in pieces of `pieceSize` bytes.
    static func chunkedRequest(token: String, body: [UInt8], pieceSize: Int = 4096) -> [UInt8] {
        var request = Array(
            ("POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: multipart/form-data; boundary=\(boundary)\r\nTransfer-Encoding: chunked\r\n\r\n").utf8
        )
        for start in stride(from: 0, to: body.count, by: pieceSize) {
            let piece = body[start..<min(start + pieceSize, body.count)]
            request += Array("\(String(piece.count, radix: 16))\r\n".utf8) + piece + Array("\r\n".utf8)
        }
        return request + Array("0\r\n\r\n".utf8)
    }
}

extension String {
    /// The value of a header in a raw HTTP answer.
    func header(_ name: String) -> String? {
        let head = firstRange(of: "\r\n\r\n").map { self[..<$0.lowerBound] } ?? self[...]
        for line in head.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                return String(parts[1].drop { $0 == " " })
            }
        }
        return nil
    }

    /// The body of a raw HTTP answer (everything after the head).
    var body: String {
        guard let range = firstRange(of: "\r\n\r\n") else { return "" }
        return String(self[range.upperBound...])
    }
}
