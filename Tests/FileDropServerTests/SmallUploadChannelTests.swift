import FileDropAuth
import Testing

@testable import FileDropServer
@testable import FileDropStorage

/// `POST /upload` with a declared body of at most one chunk: the file row, its chunk and its
/// completion in one transaction at the end of the body (`SmallFileBuffer`,
/// `FileStore.storeSmallUpload`), with the same answers and the same stored file as the
/// streamed path, and nothing kept when it fails.
@Suite struct SmallUploadChannelTests {
    private func harness(maxUploadSize: Int64? = nil, quota: Int64? = nil) throws -> (PipelineHarness, token: String) {
        var configuration = ServerConfiguration()
        if let maxUploadSize { configuration.maxUploadSize = maxUploadSize }
        let harness = try PipelineHarness(configuration: configuration)
        try harness.addUser("ann", password: "secret", quota: quota)
        return (harness, harness.token(for: "ann"))
    }

    private func form(description: String = "notes", filename: String = "a.bin", _ bytes: [UInt8]) -> [UInt8] {
        FormBody.encode([.field("description", Array(description.utf8)), .file(filename: filename, contentType: "image/png", bytes)])
    }

    private func content(_ harness: PipelineHarness, _ record: FileRecord) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try harness.storage.files.forEachChunk(of: record.id) { _, chunk in bytes.append(contentsOf: chunk) }
        return bytes
    }

    /// Sizes up to the largest file whose body still fits one chunk.
    static let smallSizes = [1, 10 * 1024, 300_000, ChunkWriter.chunkSize - 400]

    @Test(arguments: smallSizes)
    func aSmallUploadIsStoredByteExactInOneCommit(size: Int) throws {
        let (harness, token) = try harness()
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        let request = FormBody.request(token: token, body: form(bytes))
        let commitsBefore = harness.storage.database.commitCounter
        let answer = try harness.exchange(request)
        #expect(answer.hasPrefix("HTTP/1.1 201 Created\r\n"))
        // The row, its chunk and its completion: one commit, not three.
        #expect(harness.storage.database.commitCounter &- commitsBefore == 1)
        let record = try #require(try harness.storage.files.record(id: 1, now: 0))
        #expect(record.size == Int64(size))
        #expect(record.sha256 == Crypto.hex(Crypto.sha256(bytes)))
        #expect(record.description == "notes" && record.filename == "a.bin" && record.contentType == "image/png")
        #expect(record.uploadedBy == "ann" && record.chunkSize == ChunkWriter.chunkSize)
        #expect(firstDifference(try content(harness, record), bytes) == nil)
        #expect(try harness.count("chunks") == 1)
        #expect(harness.context.budget.used == 0)
        #expect(try harness.storage.files.list(limit: 10, now: 0, search: FileSearch("notes")).map(\.id) == [1])
        #expect(try harness.finishIsClean())
    }

    @Test func aBodyPastOneChunkStillStreamsAndIsStoredTheSame() throws {
        let (harness, token) = try harness()
        let bytes = (0..<(ChunkWriter.chunkSize + 5)).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let commitsBefore = harness.storage.database.commitCounter
        #expect(try harness.exchange(FormBody.request(token: token, body: form(bytes))).hasPrefix("HTTP/1.1 201 "))
        #expect(harness.storage.database.commitCounter &- commitsBefore > 1)
        let record = try #require(try harness.storage.files.record(id: 1, now: 0))
        #expect(firstDifference(try content(harness, record), bytes) == nil)
        #expect(record.sha256 == Crypto.hex(Crypto.sha256(bytes)))
        #expect(harness.context.budget.used == 0)
    }

    @Test func anEmptyFileIsStoredWithNoChunk() throws {
        let (harness, token) = try harness()
        #expect(try harness.exchange(FormBody.request(token: token, body: form([]))).hasPrefix("HTTP/1.1 201 "))
        let record = try #require(try harness.storage.files.record(id: 1, now: 0))
        #expect(record.size == 0 && record.sha256 == Crypto.hex(Crypto.sha256([])))
        #expect(try harness.count("chunks") == 0)
    }

    @Test func aTakenDescriptionIs409AndLeavesNoRowAtAll() throws {
        let (harness, token) = try harness()
        #expect(try harness.exchange(FormBody.request(token: token, body: form([1, 2, 3]))).hasPrefix("HTTP/1.1 201 "))
        let answer = try harness.exchange(FormBody.request(token: token, body: form(filename: "b.bin", [4, 5, 6, 7])))
        #expect(answer.hasPrefix("HTTP/1.1 409 Conflict\r\n"))
        // Rolled back whole: not even an incomplete row for the reclaim steps.
        #expect(try harness.count("files") == 1 && harness.count("chunks") == 1)
        #expect(harness.context.space.ledger.used(by: "ann") == 3)
        #expect(harness.context.budget.used == 0)
        #expect(try harness.finishIsClean())
    }

    @Test func aSmallFilePastTheLimitIs413AndStoresNothing() throws {
        let (harness, token) = try harness(maxUploadSize: 10)
        let answer = try harness.exchange(FormBody.request(token: token, body: form(Array(repeating: 1, count: 11))))
        #expect(answer.hasPrefix("HTTP/1.1 413 "))
        #expect(try harness.count("files") == 0 && harness.count("chunks") == 0)
        #expect(harness.context.budget.used == 0)
    }

    @Test func aSmallFilePastTheQuotaIs507AndStoresNothing() throws {
        let (harness, token) = try harness(quota: 100)
        let answer = try harness.exchange(FormBody.request(token: token, body: form(Array(repeating: 1, count: 101))))
        #expect(answer.hasPrefix("HTTP/1.1 507 "))
        #expect(try harness.count("files") == 0 && harness.count("chunks") == 0)
        #expect(harness.context.space.ledger.used(by: "ann") == 0)
        #expect(harness.context.budget.used == 0)
    }

    @Test func aSmallBodyCutShortLeavesNothing() throws {
        let (harness, token) = try harness()
        var request = FormBody.request(token: token, body: form(Array(repeating: 9, count: 50_000)))
        request.removeLast(20_000)
        #expect(try harness.exchange(request) == "")
        #expect(harness.context.budget.used > 0)  // the buffer's share, held while it waits
        try harness.channel.close().wait()
        #expect(try harness.count("files") == 0 && harness.count("chunks") == 0)
        #expect(harness.context.budget.used == 0)
    }
}
