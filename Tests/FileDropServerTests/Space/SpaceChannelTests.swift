import FileDropStorage
import NIOCore
import Testing

@testable import FileDropServer

/// Quotas, `--max-storage` and `--min-free-space` through the real pipeline: 507 before the
/// body when the declared length cannot fit, as soon as a chunked body passes, and nothing
/// stored either way.
@Suite struct SpaceChannelTests {
    static let megabyte = 1 << 20

    private func harness(
        quota: Int64? = nil, _ configure: (inout ServerConfiguration) -> Void = { _ in }
    ) throws -> (
        PipelineHarness, token: String
    ) {
        var configuration = ServerConfiguration()
        configure(&configuration)
        let harness = try PipelineHarness(configuration: configuration)
        try harness.addUser("ann", password: "secret", quota: quota)
        return (harness, harness.token(for: "ann"))
    }

    private func form(_ description: String, size: Int) -> [UInt8] {
        FormBody.encode([.field("description", Array(description.utf8)), .file(filename: "f.bin", Array(repeating: 7, count: size))])
    }

    @Test func aDeclaredLengthPastTheQuotaIs507BeforeTheBody() throws {
        let (harness, token) = try harness(quota: Int64(2 * Self.megabyte))
        let answer = try harness.exchange(
            "POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nExpect: 100-continue\r\n"
                + "Content-Type: multipart/form-data; boundary=\(FormBody.boundary)\r\nContent-Length: \(4 * Self.megabyte)\r\n\r\n"
        )
        #expect(answer.hasPrefix("HTTP/1.1 507 Insufficient Storage\r\n"))
        #expect(!answer.contains("100 Continue"))
        #expect(answer.body.hasPrefix(#"{"message":"This upload would pass your storage quota of 2097152 bytes (2.1 MB)"}"#))
        #expect(try harness.count("files") == 0)
    }

    @Test func reachingTheQuotaExactlyIsAllowedOneByteMoreIsNot() throws {
        let (harness, token) = try harness(quota: 3000)
        #expect(try harness.exchange(FormBody.request(token: token, body: form("first", size: 1000))).hasPrefix("HTTP/1.1 201 "))
        #expect(try harness.exchange(FormBody.request(token: token, body: form("second", size: 2000))).hasPrefix("HTTP/1.1 201 "))
        #expect(harness.context.space.ledger.used(by: "ann") == 3000)
        // A delete gives the room back at once.
        let delete = try harness.exchange("DELETE /files/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n")
        #expect(delete.hasPrefix("HTTP/1.1 204 No Content\r\n"))
        #expect(harness.context.space.ledger.used(by: "ann") == 2000)
        #expect(try harness.exchange(FormBody.request(token: token, body: form("third", size: 1000))).hasPrefix("HTTP/1.1 201 "))
        let over = try harness.exchange(FormBody.request(token: token, body: form("fourth", size: 1)))
        #expect(over.hasPrefix("HTTP/1.1 507 Insufficient Storage\r\n"))
        #expect(try harness.count("files") == 2 && harness.count("chunks") == 2)
        #expect(harness.context.space.ledger.used(by: "ann") == 3000)
    }

    @Test func aChunkedBodyIs507AsSoonAsItPassesTheQuota() throws {
        let (harness, token) = try harness(quota: Int64(Self.megabyte + 10))
        let body = form("big", size: 3 * Self.megabyte)
        var request = FormBody.chunkedRequest(token: token, body: body, pieceSize: 64 * 1024)
        request.removeLast(5)  // the body has not ended
        let answer = try harness.exchange(request)
        #expect(answer.hasPrefix("HTTP/1.1 507 Insufficient Storage\r\n"))
        #expect(try harness.count("files") == 0 && harness.count("chunks") == 0)
        #expect(harness.context.space.ledger.usedTotal == 0)
    }

    @Test func theStorageLimitCountsEveryonesFiles() throws {
        let (harness, token) = try harness { $0.maxStorage = 1500 }
        try harness.addUser("bob", password: "secret")
        let bob = harness.token(for: "bob")
        #expect(try harness.exchange(FormBody.request(token: token, body: form("ann's", size: 1000))).hasPrefix("HTTP/1.1 201 "))
        let over = try harness.exchange(FormBody.request(token: bob, body: form("bob's", size: 501)))
        #expect(over.hasPrefix("HTTP/1.1 507 Insufficient Storage\r\n"))
        #expect(over.body.contains("storage limit of 1500 bytes"))
        #expect(try harness.count("files") == 1)
    }

    @Test func lessFreeSpaceThanTheReserveIs507() throws {
        let (harness, token) = try harness { $0.minFreeSpace = Int64.max / 2 }
        try harness.context.space.start().wait()
        harness.context.space.stop()
        let answer = try harness.exchange(FormBody.request(token: token, body: form("any", size: 10)))
        #expect(answer.hasPrefix("HTTP/1.1 507 Insufficient Storage\r\n"))
        #expect(answer.body.contains("free space"))
        #expect(try harness.count("files") == 0)
    }

    @Test func thePageShowsTheUsersUseAndQuota() throws {
        let (harness, token) = try harness(quota: 1_000_000)
        #expect(try harness.exchange(FormBody.request(token: token, body: form("one", size: 1500))).hasPrefix("HTTP/1.1 201 "))
        let page = try harness.exchange("GET / HTTP/1.1\r\nHost: x\r\nCookie: token=\(token)\r\n\r\n")
        #expect(page.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(page.contains("You use <strong>1.5 KB</strong> of your <strong>1.0 MB</strong> quota"))
        #expect(page.contains(#"<meter class="usage-meter" min="0" max="1000000" value="1500""#))
    }
}
