import FileDropAuth
import FileDropStorage
import NIOCore
import NIOHTTP1
import Testing

@testable import FileDropServer

/// The tus endpoints through the real pipeline and a real database, on an `EmbeddedChannel`:
/// OPTIONS, creation, HEAD and the statuses SPEC "Resumable uploads" lists, with
/// `Tus-Resumable` on every answer.
@Suite struct TusChannelTests {
    private func harness(maxUploadSize: Int64? = nil) throws -> (PipelineHarness, token: String) {
        var configuration = ServerConfiguration()
        if let maxUploadSize { configuration.maxUploadSize = maxUploadSize }
        let harness = try PipelineHarness(configuration: configuration)
        try harness.addUser("ann", password: "secret")
        try harness.addUser("bob", password: "secret")
        return (harness, harness.token(for: "ann"))
    }

    private func status(_ answer: String) -> Int {
        Int(answer.split(separator: " ", maxSplits: 2).dropFirst().first ?? "") ?? 0
    }

    @Test func optionsNeedsNoTokenAndTellsWhatIsOffered() throws {
        let (harness, _) = try harness(maxUploadSize: 1234)
        let answer = try harness.exchange("OPTIONS /uploads HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(answer.hasPrefix("HTTP/1.1 204 No Content\r\n"))
        #expect(answer.header("Tus-Resumable") == "1.0.0")
        #expect(answer.header("Tus-Version") == "1.0.0")
        #expect(answer.header("Tus-Extension") == "creation,creation-with-upload,termination,expiration,checksum")
        #expect(answer.header("Tus-Max-Size") == "1234")
        #expect(answer.header("Tus-Checksum-Algorithm") == "sha1,sha256")
        #expect(try harness.finishIsClean())
    }

    @Test(arguments: [
        ("GET /uploads", "", 405), ("PUT /uploads/AAAAAAAAAAAAAAAAAAAAAA", "", 405), ("GET /uploads/nope", "", 404),
        ("HEAD /uploads/AAAAAAAAAAAAAAAAAAAAAA/x", "", 404), ("POST /uploads", "", 401),
        ("HEAD /uploads/AAAAAAAAAAAAAAAAAAAAAA", "Authorization: Bearer nonsense\r\n", 401),
    ])
    func routingAndAuthenticationErrorsCarryTusResumable(line: String, extra: String, expected: Int) throws {
        let (harness, _) = try harness()
        let answer = try harness.exchange("\(line) HTTP/1.1\r\nHost: x\r\n\(extra)Content-Length: 0\r\n\r\n")
        #expect(status(answer) == expected, "\(answer)")
        #expect(answer.header("Tus-Resumable") == "1.0.0")
        if expected == 405 { #expect(answer.header("Allow") != nil) }
    }

    @Test func otherPathsDoNotCarryTusResumable() throws {
        let (harness, _) = try harness()
        #expect(try harness.exchange("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n").header("Tus-Resumable") == nil)
    }

    @Test(arguments: [nil, "0.2.2", "1.0"] as [String?])
    func anotherVersionIs412AfterAuthentication(version: String?) throws {
        let (harness, token) = try harness()
        let headers = version.map { ["Tus-Resumable: \($0)"] } ?? []
        let answers = [
            try harness.exchange(TusRequests.create(token: token, length: 5, headers: headers)),
            try harness.exchange(TusRequests.head(token: token, "/uploads/AAAAAAAAAAAAAAAAAAAAAA", headers: headers)),
            try harness.exchange(TusRequests.delete(token: token, "/uploads/AAAAAAAAAAAAAAAAAAAAAA", headers: headers)),
            try harness.exchange(TusRequests.patch(token: token, "/uploads/AAAAAAAAAAAAAAAAAAAAAA", offset: 0, [], headers: headers)),
        ]
        for answer in answers {
            #expect(answer.hasPrefix("HTTP/1.1 412 Precondition Failed\r\n"), "\(answer)")
            #expect(answer.header("Tus-Version") == "1.0.0")
            #expect(answer.header("Tus-Resumable") == "1.0.0")
        }
        // Without a token, 401 comes first.
        #expect(status(try harness.exchange(TusRequests.create(token: nil, length: 5, headers: headers))) == 401)
        #expect(try harness.count("files") == 0)
    }

    @Test func aCreationIs201WithLocationAndReservesTheDescription() throws {
        let (harness, token) = try harness()
        let answer = try harness.exchange(TusRequests.create(token: token, length: 10))
        #expect(answer.hasPrefix("HTTP/1.1 201 Created\r\n"))
        let location = TusRequests.location(answer)
        #expect(location.hasPrefix("/uploads/") && location.utf8.count == "/uploads/".utf8.count + 22)
        #expect(answer.header("Upload-Offset") == "0")
        #expect(answer.header("Upload-Expires") == "Sat, 16 Jan 2027 08:00:00 GMT")  // 24 h after the harness's now
        #expect(answer.header("Tus-Resumable") == "1.0.0")
        #expect(try harness.storage.files.list(limit: 10, now: harness.context.clock.unixMilliseconds).isEmpty)
        // The description is taken: by another upload, and by a plain upload too.
        let second = try harness.exchange(TusRequests.create(token: token, length: 3))
        #expect(second.hasPrefix("HTTP/1.1 409 Conflict\r\n"))
        #expect(second.body == "{\"message\":\"A file or an unfinished upload already has this description\"}")
        let form = FormBody.encode([.field("description", Array("notes".utf8)), .file(filename: "b", [1])])
        #expect(try harness.exchange(FormBody.request(token: token, body: form)).hasPrefix("HTTP/1.1 409 "))
        #expect(try harness.count("files") == 1)
        #expect(try harness.finishIsClean())
    }

    @Test func aDescriptionOfAStoredFileIs409AtCreation() throws {
        let (harness, token) = try harness()
        let form = FormBody.encode([.field("description", Array("notes".utf8)), .file(filename: "b", [1])])
        #expect(try harness.exchange(FormBody.request(token: token, body: form)).hasPrefix("HTTP/1.1 201 "))
        #expect(try harness.exchange(TusRequests.create(token: token, length: 3)).hasPrefix("HTTP/1.1 409 "))
        #expect(try harness.count("tus_uploads") == 0)
    }

    @Test func headTellsTheOffsetLengthAndMetadata() throws {
        let (harness, token) = try harness()
        let metadata = TusRequests.metadata(more: "extra")
        let location = TusRequests.location(try harness.exchange(TusRequests.create(token: token, length: 10, metadata: metadata)))
        let answer = try harness.exchange(TusRequests.head(token: token, location))
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(answer.header("Upload-Offset") == "0")
        #expect(answer.header("Upload-Length") == "10")
        #expect(answer.header("Upload-Metadata") == metadata)
        #expect(answer.header("Upload-Expires") != nil)
        #expect(answer.header("Cache-Control") == "no-store")
        #expect(answer.header("Location") == nil)
        #expect(answer.body.isEmpty)
        #expect(try harness.finishIsClean())
    }

    @Test func anotherUsersUploadIs404ForEveryMethod() throws {
        let (harness, token) = try harness()
        let location = TusRequests.location(try harness.exchange(TusRequests.create(token: token, length: 10)))
        let bob = harness.token(for: "bob")
        #expect(try harness.exchange(TusRequests.head(token: bob, location)).hasPrefix("HTTP/1.1 404 "))
        #expect(try harness.exchange(TusRequests.patch(token: bob, location, offset: 0, [1, 2])).hasPrefix("HTTP/1.1 404 "))
        #expect(try harness.exchange(TusRequests.delete(token: bob, location)).hasPrefix("HTTP/1.1 404 "))
        // Still there for its owner, untouched.
        #expect(try harness.exchange(TusRequests.head(token: token, location)).header("Upload-Offset") == "0")
    }

    @Test func anEmptyUploadIsStoredAtCreation() throws {
        let (harness, token) = try harness()
        let answer = try harness.exchange(TusRequests.create(token: token, length: 0))
        #expect(answer.hasPrefix("HTTP/1.1 201 Created\r\n"))
        #expect(TusRequests.location(answer).hasPrefix("/uploads/"))
        let record = try #require(try harness.storage.files.list(limit: 10, now: harness.context.clock.unixMilliseconds).first)
        #expect(record.size == 0 && record.sha256 == TusRequests.sha256([]))
        #expect(record.filename == "a.bin" && record.description == "notes" && record.uploadedBy == "ann")
        let head = try harness.exchange(TusRequests.head(token: token, TusRequests.location(answer)))
        #expect(head.header("Upload-Offset") == "0")
        #expect(head.header("Location") == "/files/\(record.id)")
    }

    @Test func creationErrorsComeBeforeAnythingIsStored() throws {
        let (harness, token) = try harness(maxUploadSize: 100)
        #expect(try harness.exchange(TusRequests.create(token: token, length: 101)).hasPrefix("HTTP/1.1 413 "))
        #expect(try harness.exchange(TusRequests.create(token: token, length: 100, metadata: "filename YQ==")).hasPrefix("HTTP/1.1 400 "))
        #expect(try harness.exchange(TusRequests.create(token: token, length: 100, metadata: "description *")).hasPrefix("HTTP/1.1 400 "))
        #expect(try harness.count("files") == 0)
    }

    @Test func cookieRequestsFromAnotherSiteAre403() throws {
        let (harness, token) = try harness()
        let request =
            "POST /uploads HTTP/1.1\r\nHost: x\r\nCookie: token=\(token)\r\nOrigin: http://evil\r\n"
            + "Tus-Resumable: 1.0.0\r\nUpload-Length: 1\r\nUpload-Metadata: \(TusRequests.metadata())\r\n\r\n"
        let answer = try harness.exchange(request)
        #expect(answer.hasPrefix("HTTP/1.1 403 "))
        #expect(answer.header("Tus-Resumable") == "1.0.0")
        let patch =
            "PATCH /uploads/AAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\r\nHost: x\r\nCookie: token=\(token)\r\nOrigin: http://evil\r\n"
            + "Tus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: 0\r\n\r\n"
        #expect(try harness.exchange(patch).hasPrefix("HTTP/1.1 403 "))
        let sameSite =
            "POST /uploads HTTP/1.1\r\nHost: x\r\nCookie: token=\(token)\r\nOrigin: http://x\r\n"
            + "Tus-Resumable: 1.0.0\r\nUpload-Length: 1\r\nUpload-Metadata: \(TusRequests.metadata())\r\n\r\n"
        #expect(try harness.exchange(sameSite).hasPrefix("HTTP/1.1 201 "))
    }

    /// The routes as another mount (a drop link's) uses them: the owner comes from a future,
    /// whose failure is the answer.
    @Test func anotherMountSeesOnlyItsOwnUploadsAndItsRefusalsAreTheAnswer() throws {
        let (harness, token) = try harness()
        let location = TusRequests.location(try harness.exchange(TusRequests.create(token: token, length: 10)))
        let id = String(location.dropFirst("/uploads/".count))
        let tus = harness.context.routes.tus
        let loop = harness.channel.eventLoop
        let head = Request(
            head: HTTPRequestHead(version: .http1_1, method: .HEAD, uri: location, headers: ["Tus-Resumable": "1.0.0"]),
            clientAddress: "-", receivedAt: .now
        )
        let drop = loop.makeSucceededFuture(TusMount(basePath: "/d/T/uploads", owner: .drop(id: 1, label: "Scans", createdBy: "ann")))
        #expect(try tus.handle(.head(id), mount: drop, request: head).wait().status == .notFound)
        let ann = loop.makeSucceededFuture(TusMount(basePath: "/uploads", owner: .user("ann")))
        #expect(try tus.handle(.head(id), mount: ann, request: head).wait().status == .ok)
        let expired: EventLoopFuture<TusMount> = loop.makeFailedFuture(TusRefusal(.gone, "This drop link has expired"))
        let answer = try tus.handle(.head(id), mount: expired, request: head).wait()
        #expect(answer.status == .gone)
        #expect(try tus.handle(.terminate(id), mount: expired, request: head).wait().status == .gone)
        #expect(try harness.count("tus_uploads") == 1)
    }

    @Test func anUnfinishedUploadsWholeLengthCountsAgainstTheStorageLimitFromItsCreation() throws {
        var configuration = ServerConfiguration()
        configuration.maxStorage = 100
        configuration.minFreeSpace = 0
        let harness = try PipelineHarness(configuration: configuration)
        try harness.addUser("ann", password: "secret")
        let token = harness.token(for: "ann")
        let tooBig = try harness.exchange(TusRequests.create(token: token, length: 101))
        #expect(tooBig.hasPrefix("HTTP/1.1 507 Insufficient Storage\r\n"), "\(tooBig)")
        #expect(tooBig.header("Tus-Resumable") == "1.0.0")
        let first = TusRequests.location(try harness.exchange(TusRequests.create(token: token, length: 60)))
        let second = TusRequests.create(token: token, length: 50, metadata: TusRequests.metadata(description: "second"))
        #expect(try harness.exchange(second).hasPrefix("HTTP/1.1 507 "))
        // Terminating the first gives its 60 bytes back.
        #expect(try harness.exchange(TusRequests.delete(token: token, first)).hasPrefix("HTTP/1.1 204 "))
        #expect(try harness.exchange(second).hasPrefix("HTTP/1.1 201 "))
        #expect(try harness.count("tus_uploads") == 1)
    }

    @Test func expiresInGivesTheFileItsLifetimeFromCompletion() throws {
        var configuration = ServerConfiguration()
        configuration.maxFileTTL = 3600
        let harness = try PipelineHarness(configuration: configuration)
        try harness.addUser("ann", password: "secret")
        let token = harness.token(for: "ann")
        let tooLong = TusRequests.metadata(more: "expires_in \(Base64.encode(Array("7200".utf8)))")
        #expect(try harness.exchange(TusRequests.create(token: token, length: 1, metadata: tooLong)).hasPrefix("HTTP/1.1 400 "))
        let metadata = TusRequests.metadata(more: "expires_in \(Base64.encode(Array("60".utf8)))")
        let location = TusRequests.location(try harness.exchange(TusRequests.create(token: token, length: 1, metadata: metadata)))
        harness.advanceClock(by: 500)  // the lifetime counts from completion, not creation
        #expect(
            try harness.exchange(TusRequests.patch(token: harness.token(for: "ann"), location, offset: 0, [7])).hasPrefix("HTTP/1.1 204 "))
        let record = try #require(try harness.storage.files.list(limit: 1, now: harness.context.clock.unixMilliseconds).first)
        #expect(record.expiresAt == Int64(PipelineHarness.now + 560) * 1000)
    }

    @Test func aPostMayCarryThePatchMethodInAnOverride() throws {
        let (harness, token) = try harness()
        let location = TusRequests.location(try harness.exchange(TusRequests.create(token: token, length: 3)))
        var request = TusRequests.patch(
            token: token, location, offset: 0, [7, 8, 9], headers: ["Tus-Resumable: 1.0.0", "X-HTTP-Method-Override: PATCH"])
        request.replaceSubrange(0..<5, with: Array("POST".utf8))
        let answer = try harness.exchange(request)
        #expect(answer.hasPrefix("HTTP/1.1 204 "), "\(answer)")
        #expect(answer.header("Upload-Offset") == "3")
    }
}
