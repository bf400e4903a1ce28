import FileDropAuth
import FileDropStorage
import NIOCore
import Testing

@testable import FileDropServer

/// Writing into resumable uploads through the real pipeline and a real database: PATCHes
/// small and large, the checks on offset, type, length and checksum, a cut connection, a
/// second writer, termination while a PATCH runs, expiry, and completion into a stored file.
@Suite struct TusWriteChannelTests {
    private func harness() throws -> (PipelineHarness, token: String) {
        let harness = try PipelineHarness()
        try harness.addUser("ann", password: "secret")
        return (harness, harness.token(for: "ann"))
    }

    private func create(_ harness: PipelineHarness, _ token: String, length: Int) throws -> String {
        TusRequests.location(try harness.exchange(TusRequests.create(token: token, length: Int64(length))))
    }

    /// Runs the server's expiry task (registered with its maintenance scheduler) now, with the
    /// reclaim it wakes, on the embedded loop.
    private func sweepExpiredUploads(_ harness: PipelineHarness) {
        harness.context.maintenance.wake(TusMaintenance.expiryName)
        harness.channel.embeddedEventLoop.run()
    }

    private func offset(_ harness: PipelineHarness, _ token: String, _ location: String) throws -> String? {
        try harness.exchange(TusRequests.head(token: token, location)).header("Upload-Offset")
    }

    /// The stored content of a file, chunk by chunk.
    private func content(_ harness: PipelineHarness, fileID: Int64) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var sequence: Int64 = 0
        while let row = try harness.storage.files.withChunk(fileID: fileID, sequence: sequence, { Array($0) }) {
            bytes += row
            sequence += 1
        }
        return bytes
    }

    @Test(arguments: [1, 1000, 256 * 1024, ChunkWriter.chunkSize + 17])
    func patchesOfAnySizeMakeAByteExactFile(pieceSize: Int) throws {
        let (harness, token) = try harness()
        let file = TusRequests.bytes(2 * ChunkWriter.chunkSize + 5, seed: pieceSize)
        let location = try create(harness, token, length: file.count)
        var offset = 0
        var pieces = 0
        // Single bytes at the start and at the end; the rest in big pieces to keep the test quick.
        while offset < file.count {
            let size = pieceSize == 1 && offset > 3 && offset < file.count - 3 ? file.count - 3 - offset : pieceSize
            let piece = Array(file[offset..<min(offset + size, file.count)])
            let answer = try harness.exchange(TusRequests.patch(token: token, location, offset: Int64(offset), piece))
            offset += piece.count
            pieces += 1
            #expect(answer.hasPrefix("HTTP/1.1 204 No Content\r\n"), "\(answer)")
            #expect(answer.header("Upload-Offset") == String(offset))
            #expect(answer.header("Upload-Expires") != nil)
            #expect((answer.header("Location") != nil) == (offset == file.count))
        }
        let record = try #require(try harness.storage.files.list(limit: 10, now: harness.context.clock.unixMilliseconds).first)
        #expect(record.size == Int64(file.count))
        #expect(record.sha256 == TusRequests.sha256(file))
        #expect(try content(harness, fileID: record.id) == file)
        // Rows as one request would have made them: two full chunks and the rest.
        #expect(try harness.count("chunks") == 3)
        let head = try harness.exchange(TusRequests.head(token: token, location))
        #expect(head.header("Upload-Offset") == String(file.count))
        #expect(head.header("Location") == "/files/\(record.id)")
        #expect(try harness.finishIsClean())
    }

    @Test func creationWithUploadStoresTheFirstBytes() throws {
        let (harness, token) = try harness()
        let file = TusRequests.bytes(100)
        let answer = try harness.exchange(TusRequests.create(token: token, length: 100, body: Array(file[..<40])))
        #expect(answer.hasPrefix("HTTP/1.1 201 Created\r\n"))
        #expect(answer.header("Upload-Offset") == "40")
        let location = TusRequests.location(answer)
        let rest = try harness.exchange(TusRequests.patch(token: token, location, offset: 40, Array(file[40...])))
        #expect(rest.header("Upload-Offset") == "100")
        #expect(
            try harness.storage.files.list(limit: 1, now: harness.context.clock.unixMilliseconds).first?.sha256 == TusRequests.sha256(file))
        // The whole file in the creation: stored at once, and the answer still points at the upload.
        let whole = try harness.exchange(
            TusRequests.create(token: token, length: 5, metadata: TusRequests.metadata(description: "whole"), body: [1, 2, 3, 4, 5])
        )
        #expect(whole.hasPrefix("HTTP/1.1 201 "))
        #expect(whole.header("Location")?.hasPrefix("/uploads/") == true)
        #expect(whole.header("Upload-Offset") == "5")
        #expect(try harness.storage.files.list(limit: 10, now: harness.context.clock.unixMilliseconds).count == 2)
    }

    @Test func wrongOffsetTypeAndLengthChangeNothing() throws {
        let (harness, token) = try harness()
        let location = try create(harness, token, length: 10)
        #expect(try harness.exchange(TusRequests.patch(token: token, location, offset: 0, [1, 2, 3, 4])).hasPrefix("HTTP/1.1 204 "))
        let behind = try harness.exchange(TusRequests.patch(token: token, location, offset: 2, [9]))
        #expect(behind.hasPrefix("HTTP/1.1 409 Conflict\r\n"))
        #expect(behind.header("Tus-Resumable") == "1.0.0")
        #expect(try harness.exchange(TusRequests.patch(token: token, location, offset: 5, [9])).hasPrefix("HTTP/1.1 409 "))
        // Content-Length shows too many bytes: 413 before the body, and the connection closes.
        let declared = try harness.exchange(TusRequests.patch(token: token, location, offset: 4, [], declaredLength: 7))
        #expect(declared.hasPrefix("HTTP/1.1 413 "))
        #expect(declared.header("Connection") == "close")
        // Refused from its head: 415 at once (and this connection closes after the body).
        let other = try harness.secondConnection()
        try harness.send(TusRequests.patch(token: token, location, offset: 4, [9], contentType: "application/octet-stream"), on: other)
        #expect(try harness.readAnswer(on: other).hasPrefix("HTTP/1.1 415 "))
        let third = try harness.secondConnection()
        try harness.send(Array(TusRequests.head(token: token, location).utf8), on: third)
        #expect(try harness.readAnswer(on: third).header("Upload-Offset") == "4")
    }

    @Test func aChunkedBodyPastTheLengthIs413AndKeepsNoneOfItsBytes() throws {
        let (harness, token) = try harness()
        let location = try create(harness, token, length: 10)
        #expect(try harness.exchange(TusRequests.patch(token: token, location, offset: 0, [1, 2, 3])).hasPrefix("HTTP/1.1 204 "))
        let answer = try harness.exchange(TusRequests.chunkedPatch(token: token, location, offset: 3, TusRequests.bytes(8), ended: false))
        #expect(answer.hasPrefix("HTTP/1.1 413 "), "\(answer)")
        let other = try harness.secondConnection()
        try harness.send(Array(TusRequests.head(token: token, location).utf8), on: other)
        #expect(try harness.readAnswer(on: other).header("Upload-Offset") == "3")
        #expect(try harness.count("chunks") == 1)
    }

    @Test func aChecksumMismatchIs460AndTheOffsetStays() throws {
        let (harness, token) = try harness()
        let location = try create(harness, token, length: 3 * ChunkWriter.chunkSize)
        let first = TusRequests.bytes(ChunkWriter.chunkSize + 10)
        let good = try harness.exchange(
            TusRequests.patch(token: token, location, offset: 0, first, headers: ["Tus-Resumable: 1.0.0", TusRequests.sha1Header(first)])
        )
        #expect(good.hasPrefix("HTTP/1.1 204 "))
        let second = TusRequests.bytes(ChunkWriter.chunkSize, seed: 3)
        let bad = try harness.exchange(
            TusRequests.patch(
                token: token, location, offset: Int64(first.count), second,
                headers: ["Tus-Resumable: 1.0.0", TusRequests.sha1Header(first)])
        )
        #expect(bad.hasPrefix("HTTP/1.1 460 Checksum Mismatch\r\n"), "\(bad)")
        #expect(try offset(harness, token, location) == String(first.count))
        // None of its bytes are left: the rows are those of the first request.
        let fileID = try #require(try harness.storage.uploads.upload(id: String(location.dropFirst(9)))?.fileID)
        #expect(try content(harness, fileID: fileID) == first)
        let unknown = try harness.exchange(
            TusRequests.patch(
                token: token, location, offset: Int64(first.count), second, headers: ["Tus-Resumable: 1.0.0", "Upload-Checksum: md5 AAAA"])
        )
        #expect(unknown.hasPrefix("HTTP/1.1 400 "))
    }

    @Test func aCutOffPatchKeepsWhatArrivedAndHeadTellsWhereToResume() throws {
        let (harness, token) = try harness()
        let file = TusRequests.bytes(3 * ChunkWriter.chunkSize)
        let location = try create(harness, token, length: file.count)
        let sent = 2 * ChunkWriter.chunkSize + 1234
        var request = TusRequests.patch(token: token, location, offset: 0, file)
        request.removeLast(file.count - sent)
        #expect(try harness.exchange(request) == "")
        try harness.channel.close().wait()
        harness.channel.embeddedEventLoop.run()
        let other = try harness.secondConnection()
        try harness.send(Array(TusRequests.head(token: token, location).utf8), on: other)
        #expect(try harness.readAnswer(on: other).header("Upload-Offset") == String(sent))
        try harness.send(TusRequests.patch(token: token, location, offset: Int64(sent), Array(file[sent...])), on: other)
        #expect(try harness.readAnswer(on: other).hasPrefix("HTTP/1.1 204 "))
        #expect(
            try harness.storage.files.list(limit: 1, now: harness.context.clock.unixMilliseconds).first?.sha256 == TusRequests.sha256(file))
    }

    @Test func bytesAndOffsetAreCommittedTogetherAsTheyArrive() throws {
        let (harness, token) = try harness()
        let file = TusRequests.bytes(12 * ChunkWriter.chunkSize)
        let location = try create(harness, token, length: file.count)
        let id = String(location.dropFirst("/uploads/".count))
        var request = TusRequests.patch(token: token, location, offset: 0, file)
        let interval = Int(TusWrite.progressInterval)
        request.removeLast(file.count - interval - interval / 2)
        #expect(try harness.exchange(request) == "")
        // The body is still coming, and the first bytes already count.
        #expect(try harness.storage.uploads.upload(id: id)?.offset == Int64(interval))
        try harness.send(Array(file[(interval + interval / 2)..<(2 * interval + 1)]))
        #expect(try harness.storage.uploads.upload(id: id)?.offset == Int64(2 * interval))
        #expect(try harness.exchange(Array(file[(2 * interval + 1)...])).header("Upload-Offset") == String(file.count))
    }

    @Test func aSecondPatchWhileOneRunsIs409() throws {
        let (harness, token) = try harness()
        let location = try create(harness, token, length: 100)
        var running = TusRequests.patch(token: token, location, offset: 0, TusRequests.bytes(100))
        running.removeLast(50)
        #expect(try harness.exchange(running) == "")
        let other = try harness.secondConnection()
        try harness.send(TusRequests.patch(token: token, location, offset: 0, [1]), on: other)
        let answer = try harness.readAnswer(on: other)
        #expect(answer.hasPrefix("HTTP/1.1 409 Conflict\r\n"))
        #expect(answer.body.contains("Another request is writing"))
        // The first goes on and completes.
        #expect(try harness.exchange(Array(TusRequests.bytes(100)[50...])).hasPrefix("HTTP/1.1 204 "))
    }

    @Test func terminationWhileAPatchRunsStopsItAndRemovesTheBytes() throws {
        let (harness, token) = try harness()
        let location = try create(harness, token, length: 3 * ChunkWriter.chunkSize)
        var running = TusRequests.patch(token: token, location, offset: 0, TusRequests.bytes(3 * ChunkWriter.chunkSize))
        running.removeLast(ChunkWriter.chunkSize / 2)
        #expect(try harness.exchange(running) == "")
        #expect(try harness.count("chunks") >= 2)
        let other = try harness.secondConnection()
        try harness.send(Array(TusRequests.delete(token: token, location).utf8), on: other)
        #expect(try harness.readAnswer(on: other).hasPrefix("HTTP/1.1 204 No Content\r\n"))
        // The running PATCH was answered 404 and its connection closes after its body.
        #expect(try harness.readAnswer().hasPrefix("HTTP/1.1 404 "))
        #expect(try harness.count("files") == 0)
        #expect(try harness.count("chunks") == 0)
        try harness.send(Array(TusRequests.head(token: token, location).utf8), on: other)
        #expect(try harness.readAnswer(on: other).hasPrefix("HTTP/1.1 404 "))
    }

    @Test func terminatingAFinishedUploadKeepsItsFile() throws {
        let (harness, token) = try harness()
        let location = try create(harness, token, length: 3)
        #expect(try harness.exchange(TusRequests.patch(token: token, location, offset: 0, [1, 2, 3])).hasPrefix("HTTP/1.1 204 "))
        #expect(try harness.exchange(TusRequests.delete(token: token, location)).hasPrefix("HTTP/1.1 204 "))
        #expect(try harness.exchange(TusRequests.head(token: token, location)).hasPrefix("HTTP/1.1 404 "))
        #expect(try harness.storage.files.list(limit: 10, now: harness.context.clock.unixMilliseconds).count == 1)
    }

    @Test func anExpiredUploadIs404AndTheSweepRemovesIt() throws {
        let (harness, firstToken) = try harness()
        var token = firstToken
        let location = try create(harness, token, length: 10)
        #expect(try harness.exchange(TusRequests.patch(token: token, location, offset: 0, [1, 2, 3])).hasPrefix("HTTP/1.1 204 "))
        harness.advanceClock(by: 86_399)
        token = harness.token(for: "ann")
        #expect(try offset(harness, token, location) == "3")  // 24 h counts from the last PATCH
        harness.advanceClock(by: 2)
        token = harness.token(for: "ann")
        #expect(try harness.exchange(TusRequests.head(token: token, location)).hasPrefix("HTTP/1.1 404 "))
        #expect(try harness.exchange(TusRequests.patch(token: token, location, offset: 3, [4])).hasPrefix("HTTP/1.1 404 "))
        #expect(try harness.count("chunks") == 1)
        sweepExpiredUploads(harness)
        #expect(try harness.count("files") == 0)
        #expect(try harness.count("chunks") == 0)
        #expect(try harness.count("tus_uploads") == 0)
        // Its description is free again.
        #expect(try harness.exchange(TusRequests.create(token: token, length: 1)).hasPrefix("HTTP/1.1 201 "))
    }

    @Test func aFinishedUploadIsAnsweredFor24Hours() throws {
        let (harness, token) = try harness()
        let location = try create(harness, token, length: 1)
        #expect(try harness.exchange(TusRequests.patch(token: token, location, offset: 0, [1])).hasPrefix("HTTP/1.1 204 "))
        harness.advanceClock(by: 86_399)
        #expect(try harness.exchange(TusRequests.head(token: harness.token(for: "ann"), location)).header("Location") == "/files/1")
        harness.advanceClock(by: 1)
        #expect(try harness.exchange(TusRequests.head(token: harness.token(for: "ann"), location)).hasPrefix("HTTP/1.1 404 "))
        sweepExpiredUploads(harness)
        #expect(try harness.count("tus_uploads") == 0)
        #expect(try harness.storage.files.record(id: 1, now: harness.context.clock.unixMilliseconds) != nil)
    }
}
