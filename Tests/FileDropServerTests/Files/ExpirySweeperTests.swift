import FileDropStorage
import Logging
import Testing

@testable import FileDropServer

/// The sweep on an embedded event loop with a real database: it runs every interval, takes
/// expired files out, wakes the space reclaim, and the space ledger follows.
@Suite struct ExpirySweeperTests {
    @Test func expiredFilesAreSweptAndTheirBytesLeaveTheLedger() throws {
        let clock = TestClock()
        let harness = try PipelineHarness(clock: clock.wallClock)
        try harness.addUser("ann", password: "secret")
        let token = harness.token(for: "ann")
        for (index, expiresIn) in ["1", "1", ""].enumerated() {
            let body = FormBody.encode([
                .field("description", Array("file \(index)".utf8)), .field("expires_in", Array(expiresIn.utf8)),
                .file(filename: "f", Array(repeating: 1, count: 3 * ChunkWriter.chunkSize + 10)),
            ])
            #expect(try harness.exchange(FormBody.request(token: token, body: body)).hasPrefix("HTTP/1.1 201 "))
        }
        let space = harness.context.space
        #expect(space.ledger.used(by: "ann") == 3 * Int64(3 * ChunkWriter.chunkSize + 10))

        let loop = harness.channel.embeddedEventLoop
        let sweeper = ExpirySweeper(
            eventLoop: loop, storage: InlineStorageAccess(storage: harness.storage, eventLoop: loop), space: space,
            maintenance: harness.context.maintenance, clock: clock.wallClock,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        sweeper.start()
        defer { sweeper.stop() }
        loop.advanceTime(by: ExpirySweeper.interval)
        #expect(try harness.count("files") == 3)  // nothing has expired yet

        clock.advance(by: 1)
        loop.advanceTime(by: ExpirySweeper.interval)
        // Both expired files are taken out in one step, and the reclaim task it wakes frees
        // their chunk rows in steps of its own (inline here, so at once).
        #expect(try harness.count("files") == 1)
        #expect(try harness.count("chunks") == 4)
        #expect(space.ledger.used(by: "ann") == Int64(3 * ChunkWriter.chunkSize + 10))
        #expect(sweeper.longestStep > .zero)
    }
}
