import FileDropAuth
import Testing

@testable import FileDropServer

/// A guest upload's head is decided only once its drop link is found: `HTTPHandler` holds the
/// body (and any `100 Continue`) until then, whichever way the decision goes.
@Suite struct PendingStartChannelTests {
    private static let key = Array(repeating: UInt8(0x61), count: 32)

    /// A harness whose database work waits until the test runs it, as it waits for the
    /// storage thread; and that queue.
    private func deferred() throws -> (PipelineHarness, QueuedStorageAccess) {
        var queue: QueuedStorageAccess?
        let harness = try PipelineHarness(access: { storage, loop in
            let made = QueuedStorageAccess(storage: storage, eventLoop: loop)
            queue = made
            return made
        })
        return (harness, queue!)
    }

    /// A drop link made straight in the database; returns its token.
    private func dropLink(_ harness: PipelineHarness, maxFiles: Int64? = nil) throws -> String {
        let minted = LinkTokens(serverKey: Self.key, kind: .drop).mint()
        _ = try harness.storage.dropLinks.create(
            tokenHash: minted.hash, seed: minted.seed, label: "later", expiresAt: Int64(PipelineHarness.now + 60) * 1000,
            maxFiles: maxFiles, maxBytes: nil, createdBy: "ann", now: 0
        )
        return minted.token
    }

    private func request(_ token: String, description: String, expectContinue: Bool = false) -> [UInt8] {
        let body = FormBody.encode([.field("description", Array(description.utf8)), .file(filename: "a.bin", [1, 2, 3])])
        let expect = expectContinue ? "Expect: 100-continue\r\n" : ""
        let head =
            "POST /d/\(token)/upload HTTP/1.1\r\nHost: x\r\n\(expect)"
            + "Content-Type: multipart/form-data; boundary=\(FormBody.boundary)\r\nContent-Length: \(body.count)\r\n\r\n"
        return Array(head.utf8) + body
    }

    @Test func theBodyThatArrivedWhileDecidingIsStoredOnceAccepted() throws {
        let (harness, queue) = try deferred()
        let token = try dropLink(harness)
        #expect(try harness.exchange(request(token, description: "waited")) == "")
        #expect(queue.queuedLabels.count == 1)  // the link's lookup
        queue.runAll()
        let answer = try harness.readAnswer()
        #expect(answer.hasPrefix("HTTP/1.1 201 Created\r\n"))
        #expect(try harness.storage.files.list(limit: 5, now: 0).map(\.description) == ["waited"])
        #expect(harness.isOpen)
    }

    @Test func continueIsSentOnlyOnceAccepted() throws {
        let (harness, queue) = try deferred()
        let token = try dropLink(harness)
        let full = request(token, description: "asked first", expectContinue: true)
        let headEnd = full.firstRange(of: Array("\r\n\r\n".utf8))!.upperBound
        #expect(try harness.exchange(Array(full[..<headEnd])) == "")
        queue.runAll()
        #expect(try harness.readAnswer() == "HTTP/1.1 100 Continue\r\n\r\n")
        #expect(try harness.exchange(Array(full[headEnd...])) == "")
        queue.runAll()
        #expect(try harness.readAnswer().hasPrefix("HTTP/1.1 201 Created\r\n"))
    }

    @Test func aRefusalAfterTheWholeBodyKeepsTheConnection() throws {
        let (harness, queue) = try deferred()
        let token = try dropLink(harness, maxFiles: 1)
        #expect(try harness.exchange(request(token, description: "first")) == "")
        queue.runAll()
        #expect(try harness.readAnswer().hasPrefix("HTTP/1.1 201 "))
        #expect(try harness.exchange(request(token, description: "second")) == "")
        queue.runAll()
        let refused = try harness.readAnswer()
        #expect(refused.hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
        #expect(refused.header("Connection") == nil)
        #expect(harness.isOpen)
        #expect(try harness.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") == "")
        queue.runAll()
        #expect(try harness.readAnswer().hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(try harness.count("files") == 1)
    }

    @Test func aConnectionGoneWhileDecidingLeavesNothing() throws {
        let (harness, queue) = try deferred()
        let token = try dropLink(harness)
        var cut = request(token, description: "gone")
        cut.removeLast(10)
        #expect(try harness.exchange(cut) == "")
        try harness.channel.close().wait()
        queue.runAll()
        #expect(try harness.count("files") == 0)
        // The upload accepted after the connection went away gave its place back at once.
        #expect(harness.context.routes.drops.running.inProgress(linkID: 1).uploads == 0)
    }
}
