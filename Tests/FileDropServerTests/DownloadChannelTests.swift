import Testing

@testable import FileDropServer

/// `GET /files/ID/content` through the real pipeline: whole, ranged across chunk rows, and
/// unsatisfiable ranges.
@Suite struct DownloadChannelTests {
    private static let content = (0..<(ChunkWriter.chunkSize + 1000)).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }

    private func stored() throws -> (PipelineHarness, token: String) {
        let harness = try PipelineHarness()
        try harness.addUser("ann", password: "secret")
        let token = harness.token(for: "ann")
        let body = FormBody.encode([.field("description", Array("data".utf8)), .file(filename: "d.bin", Self.content)])
        #expect(try harness.exchange(FormBody.request(token: token, body: body)).hasPrefix("HTTP/1.1 201 "))
        return (harness, token)
    }

    private func get(_ harness: PipelineHarness, token: String, range: String? = nil) throws -> (head: String, body: [UInt8]) {
        let rangeHeader = range.map { "Range: \($0)\r\n" } ?? ""
        return try harness.exchangeBinary(
            "GET /files/1/content HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\(rangeHeader)\r\n")
    }

    @Test func theWholeFileComesBackWithItsHeaders() throws {
        let (harness, token) = try stored()
        let (head, body) = try get(harness, token: token)
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(head.header("Content-Length") == String(Self.content.count))
        #expect(head.header("Accept-Ranges") == "bytes")
        #expect(head.header("Content-Disposition") == "attachment; filename=\"d.bin\"; filename*=UTF-8''d.bin")
        #expect(firstDifference(body, Self.content) == nil)
        #expect(try harness.finishIsClean())
    }

    @Test func aRangeAcrossTwoChunksIs206WithContentRange() throws {
        let (harness, token) = try stored()
        let start = ChunkWriter.chunkSize - 3
        let (head, body) = try get(harness, token: token, range: "bytes=\(start)-\(start + 9)")
        #expect(head.hasPrefix("HTTP/1.1 206 Partial Content\r\n"))
        #expect(head.header("Content-Range") == "bytes \(start)-\(start + 9)/\(Self.content.count)")
        #expect(head.header("Content-Length") == "10")
        #expect(body == Array(Self.content[start..<start + 10]))
        #expect(try harness.finishIsClean())
    }

    @Test func anUnsatisfiableRangeIs416WithTheSize() throws {
        let (harness, token) = try stored()
        let (head, _) = try get(harness, token: token, range: "bytes=\(Self.content.count)-")
        #expect(head.hasPrefix("HTTP/1.1 416 Range Not Satisfiable\r\n"))
        #expect(head.header("Content-Range") == "bytes */\(Self.content.count)")
        #expect(try harness.finishIsClean())
    }
}
