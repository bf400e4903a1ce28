import FileDropStorage
import Testing

@testable import FileDropServer

/// `PATCH /files/ID`, lifetimes and search through the real pipeline and a real database.
@Suite struct FileEditChannelTests {
    private let clock = TestClock()

    private func harness(_ configure: (inout ServerConfiguration) -> Void = { _ in }) throws -> (PipelineHarness, token: String) {
        var configuration = ServerConfiguration()
        configure(&configuration)
        let harness = try PipelineHarness(configuration: configuration, clock: clock.wallClock)
        try harness.addUser("ann", password: "secret")
        return (harness, harness.token(for: "ann"))
    }

    @discardableResult
    private func upload(_ harness: PipelineHarness, _ token: String, _ description: String, expiresIn: String? = nil) throws -> String {
        var parts: [FormBody.Part] = [.field("description", Array(description.utf8))]
        if let expiresIn { parts.append(.field("expires_in", Array(expiresIn.utf8))) }
        parts.append(.file(filename: "\(description).txt", [1, 2, 3]))
        return try harness.exchange(FormBody.request(token: token, body: FormBody.encode(parts), accept: "application/json"))
    }

    private func patch(_ id: Int, _ body: String, auth: String, type: String? = "application/json", origin: String? = nil) -> String {
        var head = "PATCH /files/\(id) HTTP/1.1\r\nHost: x\r\n\(auth)\r\nContent-Length: \(body.utf8.count)\r\n"
        if let type { head += "Content-Type: \(type)\r\n" }
        if let origin { head += "Origin: \(origin)\r\n" }
        return head + "\r\n" + body
    }

    private func get(_ path: String, _ token: String) throws -> (PipelineHarness) throws -> String {
        { try $0.exchange("GET \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n") }
    }

    @Test func aPatchChangesTheRecordAndAnswersIt() throws {
        let (harness, token) = try harness()
        try upload(harness, token, "notes")
        try upload(harness, token, "taken")
        let bearer = "Authorization: Bearer \(token)"
        let answer = try harness.exchange(patch(1, #"{"description":"  renamed ","expires_at":"2030-01-31T12:00:00.2Z"}"#, auth: bearer))
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(answer.body.contains(#""description":"renamed""#))
        #expect(answer.body.contains(#""expires_at":"2030-01-31T12:00:01Z""#))
        #expect(answer.body.hasSuffix(#""downloads":0,"drop_id":null}"#))
        #expect(try get("/files/1", token)(harness).body == answer.body)

        let clash = try harness.exchange(patch(1, #"{"description":"taken"}"#, auth: bearer))
        #expect(clash.hasPrefix("HTTP/1.1 409 Conflict\r\n"))
        let unknownField = try harness.exchange(patch(1, #"{"size":3}"#, auth: bearer))
        #expect(unknownField.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        let wrongType = try harness.exchange(patch(1, "description=x", auth: bearer, type: "application/x-www-form-urlencoded"))
        #expect(wrongType.hasPrefix("HTTP/1.1 415 Unsupported Media Type\r\n"))
        let noType = try harness.exchange(patch(1, #"{"expires_at":null}"#, auth: bearer, type: nil))
        #expect(noType.hasPrefix("HTTP/1.1 200 OK\r\n") && noType.body.contains(#""expires_at":null"#))
        let unknown = try harness.exchange(patch(99, #"{"description":"x"}"#, auth: bearer))
        #expect(unknown.hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        let unauthenticated = try harness.exchange(patch(1, #"{"description":"x"}"#, auth: "X-None: 1"))
        #expect(unauthenticated.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"))
        #expect(try harness.storage.files.record(id: 1, now: 0)?.description == "renamed")
        #expect(try harness.finishIsClean())
    }

    /// Each on its own connection: a refusal before the body closes the connection.
    @Test(arguments: [
        ("cookie", "https://evil.example", "403 Forbidden"),
        ("cookie", "null", "403 Forbidden"),
        ("cookie", "http://x", "200 OK"),
        ("cookie", nil, "200 OK"),  // not a browser
        ("bearer", "https://evil.example", "200 OK"),
    ])
    func aCookiePatchFromAnotherOriginIs403(kind: String, origin: String?, status: String) throws {
        let (harness, token) = try harness()
        try upload(harness, token, "notes")
        let auth = kind == "cookie" ? "Cookie: token=\(token)" : "Authorization: Bearer \(token)"
        let answer = try harness.exchange(patch(1, #"{"description":"changed"}"#, auth: auth, origin: origin))
        #expect(answer.hasPrefix("HTTP/1.1 \(status)\r\n"))
        let expected = status == "200 OK" ? "changed" : "notes"
        #expect(try harness.storage.files.record(id: 1, now: 0)?.description == expected)
    }

    @Test func aFileIsGoneFromItsExpiryOn() throws {
        let (harness, token) = try harness()
        #expect(try upload(harness, token, "brief", expiresIn: "2").hasPrefix("HTTP/1.1 201 Created\r\n"))
        try upload(harness, token, "lasting")
        #expect(try get("/files/1", token)(harness).hasPrefix("HTTP/1.1 200 OK\r\n"))
        clock.advance(by: 2)
        #expect(try get("/files/1", token)(harness).hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        #expect(try get("/files/1/content", token)(harness).hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        #expect(!(try get("/files", token)(harness).contains("brief")))
        let delete = try harness.exchange("DELETE /files/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n")
        #expect(delete.hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        let revive = try harness.exchange(patch(1, #"{"expires_at":null}"#, auth: "Authorization: Bearer \(token)"))
        #expect(revive.hasPrefix("HTTP/1.1 404 Not Found\r\n"))
    }

    @Test func lifetimesFollowTheDefaultAndTheCap() throws {
        let (harness, token) = try harness {
            $0.defaultFileTTL = 60
            $0.maxFileTTL = 3600
        }
        let defaulted = try upload(harness, token, "default")
        #expect(defaulted.body.contains(#""expires_at":"2027-01-15T08:01:00Z""#))
        let asked = try upload(harness, token, "asked", expiresIn: "3600")
        #expect(asked.body.contains(#""expires_at":"2027-01-15T09:00:00Z""#))
        let bearer = "Authorization: Bearer \(token)"
        let never = try harness.exchange(patch(1, #"{"expires_at":null}"#, auth: bearer))
        #expect(never.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        let farther = try harness.exchange(patch(1, #"{"expires_at":"2027-01-15T09:00:01Z"}"#, auth: bearer))
        #expect(farther.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        let withinCap = try harness.exchange(patch(1, #"{"expires_at":"2027-01-15T09:00:00Z"}"#, auth: bearer))
        #expect(withinCap.hasPrefix("HTTP/1.1 200 OK\r\n"))
        // Refused as soon as the field is read; nothing is stored (and the connection closes).
        let tooLong = try upload(harness, token, "too long", expiresIn: "3601")
        #expect(tooLong.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(tooLong.body == #"{"message":"expires_in is longer than files may live here (3600 seconds at most)"}"#)
        #expect(try harness.count("files") == 2)
    }

    @Test func searchPagesWithACursorBoundToItsSearch() throws {
        let (harness, token) = try harness()
        for name in ["Quarterly report", "Über café", "report draft", "holiday"] {
            try upload(harness, token, name)
            clock.advance(by: 1)
        }
        let first = try get("/files?q=REP&limit=1", token)(harness)
        #expect(first.body.contains(#""description":"report draft""#))
        let cursor = try #require(first.body.split(separator: "\"next_cursor\":\"").last?.split(separator: "\"").first)
        let second = try get("/files?q=rep&limit=1&cursor=\(cursor)", token)(harness)
        #expect(second.body.contains(#""description":"Quarterly report""#))
        #expect(second.body.hasSuffix(#""next_cursor":null}"#))
        #expect(try get("/files?q=holiday&cursor=\(cursor)", token)(harness).hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(try get("/files?cursor=\(cursor)", token)(harness).hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(try get("/files?q=uber", token)(harness).body.contains("Über café"))
        #expect(try get("/files?q=%22%20OR%20*", token)(harness).body.contains(#""files":[]"#))
        let everything = try get("/files?q=", token)(harness)
        #expect(everything.body.ranges(of: "\"id\":").count == 4)
        let long = String(repeating: "a", count: FileSearch.maxLength + 1)
        #expect(try get("/files?q=\(long)", token)(harness).hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
    }
}
