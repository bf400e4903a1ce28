import FileDropAuth
import FileDropStorage
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import FileDropServer

/// Account changes racing with logins, logouts and reloads (issue #9, findings 1 and 10),
/// with the storage thread and the hashing pool stepped by the test, so that each
/// interleaving happens every time.
@Suite struct LoginRaceTests {
    private static func basic(_ credentials: String) -> ByteBuffer {
        ByteBuffer(string: "GET /login HTTP/1.1\r\nHost: x\r\nAuthorization: Basic \(Base64.encode(credentials.utf8))\r\n\r\n")
    }

    private static func stepped() throws -> (PipelineHarness, SteppedStorageAccess, SteppedPasswordHashing) {
        let harness = try PipelineHarness(
            access: { SteppedStorageAccess(storage: $0, eventLoop: $1) },
            passwords: { SteppedPasswordHashing(eventLoop: $0) }
        )
        return (harness, harness.access as! SteppedStorageAccess, harness.passwords as! SteppedPasswordHashing)
    }

    private static func refresher(_ harness: PipelineHarness) -> AccountRefresher {
        AccountRefresher(
            eventLoop: harness.channel.eventLoop, storage: harness.access, authenticator: harness.context.authenticator,
            clock: harness.context.clock, logger: harness.context.logger
        )
    }

    /// Another process (`app user ...`) changing the database through its own connection.
    private static func otherProcess(_ harness: PipelineHarness, _ change: (Storage) throws -> Void) throws {
        let other = try Storage(path: harness.databasePath)
        defer { other.close() }
        try change(other)
    }

    @Test(arguments: [false, true])
    func aLoginInFlightDoesNotUndoAPasswordChangeOrARemoval(remove: Bool) throws {
        let (harness, storage, hashing) = try Self.stepped()
        try harness.addUser("ann", password: "old")
        let before = harness.token(for: "ann")
        let refresher = Self.refresher(harness)
        _ = refresher.refreshIfChanged()
        storage.runAll()

        // A login with the right password: the user is read, then the hash runs...
        try harness.channel.writeInbound(Self.basic("ann:old"))
        storage.runAll()
        #expect(hashing.pending == 1)
        // ...while `app user passwd` (or `remove`) commits and the refresher loads it.
        let changedAt = Int64(PipelineHarness.now) + 5
        try Self.otherProcess(harness) { other in
            if remove {
                try other.users.remove(name: "ann")
            } else {
                try other.users.setPassword(name: "ann", passwordHash: InlinePasswordHashing.cheap.hash("new"), now: changedAt)
            }
        }
        _ = refresher.refreshIfChanged()
        storage.runAll()
        #expect(!harness.accepts(before))

        // The hash ends: the login must not put back what it read before.
        hashing.finishNext()
        storage.runAll()
        let answer = try harness.readAnswer()
        #expect(answer.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"))
        #expect(!harness.accepts(before))
        // Nor does any later reload.
        _ = refresher.refreshIfChanged()
        storage.runAll()
        #expect(!harness.accepts(before))
        #expect(try harness.finishIsClean())
    }

    @Test func aLogoutSurvivesAReloadThatReadTheDatabaseBeforeIt() throws {
        let (harness, storage, _) = try Self.stepped()
        try harness.addUser("ann", password: "pw")
        let token = harness.token(for: "ann")
        let refresher = Self.refresher(harness)
        _ = refresher.refreshIfChanged()
        storage.runAll()
        #expect(harness.accepts(token))

        // Another process writes, so the next tick reloads; the reload is queued first...
        try Self.otherProcess(harness) { try $0.users.add(name: "bob", passwordHash: "x", now: 0) }
        _ = refresher.refreshIfChanged()
        #expect(storage.pending == 1)
        // ...then the logout: revoked in memory at once, stored behind the reload.
        try harness.channel.writeInbound(
            ByteBuffer(string: "POST /logout HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Length: 0\r\n\r\n")
        )
        #expect(try harness.readAnswer().hasPrefix("HTTP/1.1 204 No Content\r\n"))
        #expect(!harness.accepts(token))
        storage.runNext()  // the reload, which read the database before the revocation was stored
        #expect(!harness.accepts(token))
        storage.runAll()
        #expect(!harness.accepts(token))
        try Self.otherProcess(harness) { try $0.users.remove(name: "bob") }
        _ = refresher.refreshIfChanged()
        storage.runAll()
        #expect(!harness.accepts(token))
        #expect(try harness.finishIsClean())
    }

    @Test func twentyWrongPasswordsAtOnceGetAtMostFive401s() throws {
        let (harness, storage, hashing) = try Self.stepped()
        try harness.addUser("ann", password: "right")
        let connections = try (0..<20).map { _ in try harness.connection(from: "10.0.0.1") }
        for (n, connection) in connections.enumerated() {
            try connection.writeInbound(Self.basic("ann:wrong\(n)"))
        }
        for _ in 0..<40 {
            storage.runAll()
            hashing.finishNext()
        }
        storage.runAll()
        harness.channel.embeddedEventLoop.run()  // the answers go out at the end of the tick
        var statuses: [String] = []
        for connection in connections {
            var answer: [UInt8] = []
            while let buffer = try connection.readOutbound(as: ByteBuffer.self) { answer += buffer.readableBytesView }
            statuses.append(String(decoding: answer.prefix(12), as: UTF8.self))
            _ = try connection.finish(acceptAlreadyClosed: true)
        }
        #expect(statuses.filter { $0 == "HTTP/1.1 401" }.count <= 5)
        #expect(statuses.filter { $0 == "HTTP/1.1 429" }.count >= 15)
        #expect(statuses.count == 20)
    }
}
