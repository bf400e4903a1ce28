import FileDropAuth
import NIOCore
import NIOEmbedded
import Testing

@testable import FileDropServer
@testable import FileDropStorage

/// Requests an outside review found mishandled, through the real pipeline with a real
/// database: lengths past 63 bits, a body the parser refuses midway, cursors the server did
/// not issue, a damaged chunk row, and the memory budget under uploads.
@Suite struct HardeningChannelTests {
    private func signedIn(_ configuration: ServerConfiguration = ServerConfiguration()) throws -> (PipelineHarness, String) {
        let harness = try PipelineHarness(configuration: configuration)
        try harness.addUser("ann", password: "secret")
        return (harness, harness.token(for: "ann"))
    }

    @Test(arguments: ["/upload", "/login"])
    func aContentLengthOfTwoToThe63IsTooLarge(path: String) throws {
        let (harness, token) = try signedIn()
        let answer = try harness.exchange(
            "POST \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 9223372036854775808\r\n\r\n"
        )
        #expect(answer.hasPrefix("HTTP/1.1 413 "))
        #expect(answer.header("Connection") == "close")
    }

    @Test func aMalformedChunkOnAnUploadIs400ThenClose() throws {
        let (harness, token) = try signedIn()
        let answer = try harness.exchange(
            "POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
        )
        #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(answer.header("Connection") == "close")
        #expect(!harness.isOpen)
        #expect(try harness.count("files") == 0)
    }

    @Test(arguments: ["%00not-a-cursor%ff", "", "abc.def", "%zz"])
    func aCursorTheServerDidNotIssueIs400(cursor: String) throws {
        let (harness, token) = try signedIn()
        let answer = try harness.exchange("GET /files?cursor=\(cursor) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n")
        #expect(answer.hasPrefix("HTTP/1.1 400 "))
        #expect(answer.contains("cursor"))
        #expect(answer.header("X-Content-Type-Options") == "nosniff")
    }

    @Test func aChunkShorterThanItsRecordFailsTheDownloadAndCloses() throws {
        let (harness, token) = try signedIn()
        let content = (0..<(ChunkWriter.chunkSize + 500)).map { UInt8(truncatingIfNeeded: $0) }
        let body = FormBody.encode([.field("description", Array("d".utf8)), .file(filename: "d.bin", content)])
        #expect(try harness.exchange(FormBody.request(token: token, body: body)).hasPrefix("HTTP/1.1 201 "))
        // Damage the second row: 10 bytes where 500 should be.
        try harness.storage.database.execute("UPDATE chunks SET data = substr(data, 1, 10) WHERE seq = 1")
        let (head, received) = try harness.exchangeBinary(
            "GET /files/1/content HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nRange: bytes=\(ChunkWriter.chunkSize + 100)-\r\n\r\n"
        )
        #expect(head.hasPrefix("HTTP/1.1 206 "))
        #expect(received.isEmpty)
        #expect(!harness.isOpen)  // the promised length cannot come: the connection ends
    }

    @Test func uploadsWaitForTheBudgetAndAllComplete() throws {
        // Room for one chunk buffer at a time: uploads take turns, none fails or hangs.
        var configuration = ServerConfiguration()
        configuration.memoryBudget = ChunkWriter.chunkSize
        let (harness, token) = try signedIn(configuration)
        let content = (0..<(3 * ChunkWriter.chunkSize + 7)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let body = FormBody.encode([.field("description", Array("budget".utf8)), .file(filename: "b.bin", content)])
        let answer = try harness.exchange(FormBody.chunkedRequest(token: token, body: body, pieceSize: 100_000))
        #expect(answer.hasPrefix("HTTP/1.1 201 "))
        #expect(harness.context.budget.used == 0)
        #expect(try harness.storage.files.record(id: 1, now: 0)?.sha256 == Crypto.hex(Crypto.sha256(content)))
    }
}
