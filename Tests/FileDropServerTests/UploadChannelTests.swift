import FileDropAuth
import FileDropStorage
import Testing

@testable import FileDropServer

/// `POST /upload` through the real pipeline and a real database, on an `EmbeddedChannel`:
/// every status of SPEC "Uploads", what is stored, and what is not.
@Suite struct UploadChannelTests {
    private func harness(maxUploadSize: Int64? = nil) throws -> (PipelineHarness, token: String) {
        var configuration = ServerConfiguration()
        if let maxUploadSize { configuration.maxUploadSize = maxUploadSize }
        let harness = try PipelineHarness(configuration: configuration)
        try harness.addUser("ann", password: "secret")
        return (harness, harness.token(for: "ann"))
    }

    private func form(description: String = "notes", filename: String = "a.txt", _ bytes: [UInt8]) -> [UInt8] {
        FormBody.encode([.field("description", Array(description.utf8)), .file(filename: filename, contentType: "text/plain", bytes)])
    }

    @Test func anUploadIs201WithItsLocationAndIsStoredWithItsDigest() throws {
        let (harness, token) = try harness()
        let content = (0..<(2 * ChunkWriter.chunkSize + 12_345)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let answer = try harness.exchange(FormBody.request(token: token, body: form(content)))
        #expect(answer.hasPrefix("HTTP/1.1 201 Created\r\n"))
        #expect(answer.header("Location") == "/files/1")
        #expect(answer.body == "file a.txt uploaded successfully")
        let record = try #require(try harness.storage.files.record(id: 1, now: 0))
        #expect(record.description == "notes")
        #expect(record.contentType == "text/plain")
        #expect(record.size == Int64(content.count))
        #expect(record.uploadedBy == "ann")
        #expect(record.sha256 == Crypto.hex(Crypto.sha256(content)))
        #expect(try harness.count("chunks") == 3)
        #expect(harness.isOpen)
        #expect(try harness.finishIsClean())
    }

    @Test func aChunkedUploadOfExactlyTheLimitIsAccepted() throws {
        let (harness, token) = try harness(maxUploadSize: 10)
        let answer = try harness.exchange(FormBody.chunkedRequest(token: token, body: form(Array(repeating: 1, count: 10)), pieceSize: 7))
        #expect(answer.hasPrefix("HTTP/1.1 201 Created\r\n"))
        #expect(try harness.storage.files.record(id: 1, now: 0)?.size == 10)
        #expect(try harness.finishIsClean())
    }

    @Test func aJSONClientGetsTheRecord() throws {
        let (harness, token) = try harness()
        let answer = try harness.exchange(FormBody.request(token: token, body: form([1, 2, 3]), accept: "application/json"))
        #expect(answer.hasPrefix("HTTP/1.1 201 Created\r\n"))
        #expect(answer.body.hasPrefix("{\"id\":1,\"description\":\"notes\",\"filename\":\"a.txt\""))
        #expect(try harness.finishIsClean())
    }

    @Test func withoutAFilePartItIs400AndNothingIsStored() throws {
        let (harness, token) = try harness()
        let body = FormBody.encode([.field("description", Array("notes".utf8))])
        let answer = try harness.exchange(FormBody.request(token: token, body: body))
        #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(answer.body == "{\"message\":\"No file: send it in the inputFile part\"}")
        #expect(try harness.count("files") == 0)
        #expect(try harness.finishIsClean())
    }

    @Test func aDuplicateDescriptionIs409AndStoresNothing() throws {
        let (harness, token) = try harness()
        #expect(try harness.exchange(FormBody.request(token: token, body: form([1, 2, 3]))).hasPrefix("HTTP/1.1 201 "))
        let answer = try harness.exchange(FormBody.request(token: token, body: form(filename: "b.txt", [4, 5, 6, 7])))
        #expect(answer.hasPrefix("HTTP/1.1 409 Conflict\r\n"))
        #expect(answer.body == "{\"message\":\"A file with this description already exists\"}")
        #expect(try harness.count("files") == 1)
        #expect(try harness.count("chunks") == 1)
        #expect(try harness.finishIsClean())
    }

    @Test func aDeclaredLengthOverTheLimitIs413BeforeTheBody() throws {
        let (harness, token) = try harness(maxUploadSize: 10)
        let declared = 10 + Int(UploadStateMachine.bodyOverheadAllowance) + 1
        let answer = try harness.exchange(
            "POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: multipart/form-data; boundary=\(FormBody.boundary)\r\nContent-Length: \(declared)\r\n\r\n"
        )
        #expect(answer.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
        #expect(answer.header("Connection") == "close")
        #expect(answer.body == "{\"message\":\"The file is larger than the limit of 10 bytes\"}")
        #expect(try harness.count("files") == 0)
    }

    @Test func withExpectContinueA413ComesInsteadOf100Continue() throws {
        let (harness, token) = try harness(maxUploadSize: 10)
        let answer = try harness.exchange(
            "POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nExpect: 100-continue\r\n"
                + "Content-Type: multipart/form-data; boundary=\(FormBody.boundary)\r\nContent-Length: \(50 << 20)\r\n\r\n"
        )
        #expect(answer.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
        #expect(!answer.contains("100 Continue"))
        #expect(answer.header("Connection") == "close")
    }

    @Test func theLimitCountsFileBytesNotTheBody() throws {
        let (harness, token) = try harness(maxUploadSize: 100)
        let body = FormBody.encode([
            .field("note", Array(repeating: 0x6E, count: 30_000)), .field("description", Array("fits".utf8)),
            .file(filename: "f", Array(repeating: 1, count: 90)),
        ])
        let answer = try harness.exchange(FormBody.request(token: token, body: body))
        #expect(answer.hasPrefix("HTTP/1.1 201 Created\r\n"))
        #expect(try harness.storage.files.record(id: 1, now: 0)?.size == 90)
        #expect(try harness.finishIsClean())
    }

    @Test func aFileUnderAnotherFieldNameIsNotTheFile() throws {
        let (harness, token) = try harness()
        let body = FormBody.encode([.field("description", Array("d".utf8)), .file(name: "file", filename: "a.txt", [1, 2])])
        let answer = try harness.exchange(FormBody.request(token: token, body: body))
        #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(try harness.count("files") == 0)
        #expect(try harness.finishIsClean())
    }

    @Test func aChunkedBodyIs413AsSoonAsItPassesTheLimit() throws {
        let (harness, token) = try harness(maxUploadSize: 10)
        let body = form(Array(repeating: 1, count: 11))
        var request = FormBody.chunkedRequest(token: token, body: body, pieceSize: body.count)
        request.removeLast(5)  // the last chunk ("0\r\n\r\n") has not arrived
        let answer = try harness.exchange(request)
        #expect(answer.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
        // The incomplete file was removed at once.
        #expect(try harness.count("files") == 0)
        #expect(try harness.count("chunks") == 0)
    }

    @Test func aBodyThatIsNotMultipartIs415() throws {
        let (harness, token) = try harness()
        let answer = try harness.exchange(
            "POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: text/plain\r\n"
                + "Content-Length: 5\r\n\r\nhello"
        )
        #expect(answer.hasPrefix("HTTP/1.1 415 Unsupported Media Type\r\n"))
        #expect(try harness.count("files") == 0)
    }

    @Test func aConnectionCutMidBodyLeavesNothing() throws {
        let (harness, token) = try harness()
        var request = FormBody.request(token: token, body: form(Array(repeating: 9, count: 3 * ChunkWriter.chunkSize)))
        request.removeLast(ChunkWriter.chunkSize / 2)
        #expect(try harness.exchange(request) == "")
        #expect(try harness.count("files") == 1)  // the upload in progress
        try harness.channel.close().wait()
        #expect(try harness.count("files") == 0)
        #expect(try harness.count("chunks") == 0)
    }
}
