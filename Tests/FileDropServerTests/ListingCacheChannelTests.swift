import FileDropStorage
import NIOCore
import Testing

@testable import FileDropServer

/// The first page of `GET /` and `GET /files` from memory (`ListingCache`): served without the
/// database while nothing changed, and never stale for a change this server acknowledged.
@Suite struct ListingCacheChannelTests {
    private func harness(clock: TestClock = TestClock()) throws -> (PipelineHarness, token: String) {
        let harness = try PipelineHarness(clock: clock.wallClock)
        // Trusted for a minute: only this server's own writes and expiry can end a listing.
        harness.context.listings.recheckMilliseconds = 60_000
        try harness.addUser("ann", password: "secret")
        return (harness, harness.token(for: "ann"))
    }

    private func upload(_ harness: PipelineHarness, token: String, filename: String, expiresIn: String? = nil) throws -> String {
        var parts: [FormBody.Part] = [.field("description", Array("about \(filename)".utf8))]
        if let expiresIn { parts.append(.field("expires_in", Array(expiresIn.utf8))) }
        parts.append(.file(filename: filename, contentType: "text/plain", [1, 2, 3]))
        return try harness.exchange(FormBody.request(token: token, body: FormBody.encode(parts)))
    }

    private func get(_ harness: PipelineHarness, _ path: String, token: String) throws -> String {
        try harness.exchange("GET \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n")
    }

    @Test func anAcknowledgedWriteIsOnTheNextPageAndList() throws {
        let (harness, token) = try harness()
        #expect(try get(harness, "/", token: token).contains("No files yet"))
        #expect(try get(harness, "/files", token: token).hasSuffix("{\"files\":[],\"next_cursor\":null}"))
        #expect(try upload(harness, token: token, filename: "first.txt").hasPrefix("HTTP/1.1 201 Created\r\n"))
        #expect(try get(harness, "/", token: token).contains("first.txt"))
        #expect(try get(harness, "/files", token: token).contains("first.txt"))
        #expect(try upload(harness, token: token, filename: "second.txt").hasPrefix("HTTP/1.1 201 Created\r\n"))
        let page = try get(harness, "/", token: token)
        #expect(page.contains("first.txt") && page.contains("second.txt"))

        let edit = "{\"description\":\"renamed\"}"
        let patched = try harness.exchange(
            "PATCH /files/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(edit.utf8.count)\r\n\r\n\(edit)"
        )
        #expect(patched.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(try get(harness, "/", token: token).contains("renamed"))
        #expect(try get(harness, "/files", token: token).contains("renamed"))

        let deleted = try harness.exchange("DELETE /files/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n")
        #expect(deleted.hasPrefix("HTTP/1.1 204 No Content\r\n"))
        #expect(!(try get(harness, "/", token: token).contains("first.txt")))
        #expect(!(try get(harness, "/files", token: token).contains("first.txt")))
        #expect(try harness.finishIsClean())
    }

    @Test func anUnchangedPageIsServedFromMemoryUntilTheRecheck() throws {
        let clock = TestClock()
        let (harness, token) = try harness(clock: clock)
        #expect(try upload(harness, token: token, filename: "kept.txt").hasPrefix("HTTP/1.1 201 Created\r\n"))
        #expect(try get(harness, "/", token: token).contains("kept.txt"))
        #expect(try get(harness, "/files", token: token).contains("kept.txt"))
        // Deleted behind the server's back, as another process would: the pages in memory
        // still show it (they are not read again) until the listing is due for a recheck.
        _ = try harness.storage.files.delete(id: 1, now: clock.wallClock.unixMilliseconds)
        #expect(try get(harness, "/", token: token).contains("kept.txt"))
        #expect(try get(harness, "/files", token: token).contains("kept.txt"))
        clock.advance(by: 60)
        #expect(!(try get(harness, "/", token: token).contains("kept.txt")))
        #expect(!(try get(harness, "/files", token: token).contains("kept.txt")))
        #expect(try harness.finishIsClean())
    }

    /// The periodic recheck reads the listing again; when it finds the same files, the pages
    /// rendered from them stay (each recheck used to drop them, and every request waiting for
    /// the read rendered the page again); when the files differ, they go.
    @Test func aRecheckThatFindsTheSameFilesKeepsTheRenderedAnswers() throws {
        let clock = TestClock()
        let (harness, token) = try harness(clock: clock)
        #expect(try upload(harness, token: token, filename: "kept.txt").hasPrefix("HTTP/1.1 201 Created\r\n"))
        let cache = ListingCache()
        cache.recheckMilliseconds = 100
        let loop = harness.channel.eventLoop
        let storage = InlineStorageAccess(storage: harness.storage, eventLoop: loop)
        func read(at now: Int64) -> (files: [FileRecord], generation: UInt64)? {
            var result: (files: [FileRecord], generation: UInt64)?
            cache.firstFiles(limit: 51, now: now, storage: storage, eventLoop: loop).assumeIsolated().whenSuccess { result = $0 }
            return result
        }
        let start = clock.wallClock.unixMilliseconds
        let first = try #require(read(at: start))
        #expect(first.files.map(\.filename) == ["kept.txt"])
        let page = ByteBuffer(string: "rendered")
        cache.store(body: page, limit: 51, variant: "page ann", figures: nil, generation: first.generation)
        #expect(cache.body(limit: 51, variant: "page ann", figures: nil, now: start + 50) == page)
        #expect(cache.body(limit: 51, variant: "page ann", figures: nil, now: start + 150) == nil)  // due for a recheck

        #expect(read(at: start + 150)?.files == first.files)
        #expect(cache.body(limit: 51, variant: "page ann", figures: nil, now: start + 150) == page)

        _ = try harness.storage.files.delete(id: 1, now: start)  // behind the server's back
        #expect(read(at: start + 300)?.files.isEmpty == true)
        #expect(cache.body(limit: 51, variant: "page ann", figures: nil, now: start + 300) == nil)
        #expect(try harness.finishIsClean())
    }

    @Test func aFileLeavesThePageWhenItExpires() throws {
        let clock = TestClock()
        let (harness, token) = try harness(clock: clock)
        #expect(try upload(harness, token: token, filename: "brief.txt", expiresIn: "30").hasPrefix("HTTP/1.1 201 Created\r\n"))
        #expect(try upload(harness, token: token, filename: "lasting.txt").hasPrefix("HTTP/1.1 201 Created\r\n"))
        #expect(try get(harness, "/", token: token).contains("brief.txt"))
        #expect(try get(harness, "/files", token: token).contains("brief.txt"))
        clock.advance(by: 30)
        let page = try get(harness, "/", token: token)
        #expect(!page.contains("brief.txt") && page.contains("lasting.txt"))
        #expect(!(try get(harness, "/files", token: token).contains("brief.txt")))
        #expect(try harness.finishIsClean())
    }

    @Test func eachUserSeesTheirOwnFigures() throws {
        let (harness, token) = try harness()
        try harness.addUser("bob", password: "secret")
        #expect(try upload(harness, token: token, filename: "ann.txt").hasPrefix("HTTP/1.1 201 Created\r\n"))
        #expect(try get(harness, "/", token: token).contains("You use <strong>3 B</strong>"))
        let bobs = try get(harness, "/", token: harness.token(for: "bob"))
        #expect(bobs.contains("ann.txt") && bobs.contains("You use <strong>0 B</strong>"))
        #expect(try harness.finishIsClean())
    }
}
