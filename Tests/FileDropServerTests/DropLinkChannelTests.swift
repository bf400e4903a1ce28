import FileDropAuth
import Testing

@testable import FileDropServer

/// Drop links through the real pipeline and a real database: making, listing and revoking
/// them, the drop page, and guests' uploads with every limit that needs no process.
@Suite struct DropLinkChannelTests {
    /// `POST url/upload` as a guest (no session), with a Content-Length.
    private func upload(
        _ sharing: SharingHarness, _ url: String, description: String, filename: String = "g.bin", bytes: [UInt8],
        accept: String = "*/*"
    ) throws -> String {
        let body = FormBody.encode([.field("description", Array(description.utf8)), .file(filename: filename, bytes)])
        let head =
            "POST \(url)/upload HTTP/1.1\r\nHost: x\r\nAccept: \(accept)\r\n"
            + "Content-Type: multipart/form-data; boundary=\(FormBody.boundary)\r\nContent-Length: \(body.count)\r\n\r\n"
        return try sharing.harness.exchange(Array(head.utf8) + body)
    }

    @Test func aDropLinkHasExactlyTheSpecFields() throws {
        let sharing = try SharingHarness(storeFile: false)
        let drop = try sharing.make("/drops", json: "{\"label\": \"  Tax papers  \", \"max_files\": 2, \"max_bytes\": 100}")
        #expect(
            Set(drop.keys) == ["id", "url", "label", "expires_at", "max_files", "max_bytes", "files", "bytes", "created_by", "created_at"])
        #expect(drop.string("label") == "Tax papers")
        #expect(drop.string("url").map { $0.hasPrefix("/d/") && LinkTokens.isWellFormed($0.dropFirst(3)) } == true)
        #expect(drop.int("max_files") == 2 && drop.int("max_bytes") == 100 && drop.int("files") == 0 && drop.int("bytes") == 0)
        #expect(drop.string("expires_at") == RFC3339.format(unixSeconds: Int64(PipelineHarness.now) + 7 * 86_400))
        #expect(drop.string("created_by") == "ann")
        let listed = try SharingHarness.object(try sharing.send("GET", "/drops").body)
        #expect(listed["drops"] == .array([.object(drop)]))
        #expect(try sharing.harness.finishIsClean())
    }

    @Test(arguments: [
        "{}", "{\"label\": \"\"}", "{\"label\": \"   \"}", "{\"label\": 5}", "{\"label\": \"a\\u0007b\"}",
        "{\"label\": \"\(String(repeating: "x", count: 101))\"}", "{\"label\": \"x\", \"max_files\": 0}",
        "{\"label\": \"x\", \"max_bytes\": -1}", "{\"label\": \"x\", \"expires_in\": 2592001}", "{\"label\": \"x\", \"files\": 1}",
        "[\"x\"]",
    ])
    func badBodiesAre400(json: String) throws {
        let sharing = try SharingHarness(storeFile: false)
        #expect(try sharing.send("POST", "/drops", json: json).hasPrefix("HTTP/1.1 400 "), "\(json)")
        #expect(try sharing.harness.count("drop_links") == 0)
    }

    @Test func aGuestsFileIsAnOrdinaryStoredFileOfTheDrop() throws {
        let sharing = try SharingHarness()
        let url = try #require(try sharing.make("/drops", json: "{\"label\": \"Tax papers\"}").string("url"))
        let answer = try upload(sharing, url, description: "receipts", filename: "r.pdf", bytes: [1, 2, 3], accept: "application/json")
        #expect(answer.hasPrefix("HTTP/1.1 201 Created\r\n"))
        #expect(answer.header("Location") == nil)
        #expect(answer.header("Referrer-Policy") == "no-referrer")
        let guestView = try SharingHarness.object(answer.body)
        #expect(Set(guestView.keys) == ["description", "filename", "content_type", "size", "sha256", "created_at"])
        let record = try #require(try sharing.harness.storage.files.record(id: 2, now: 0))
        #expect(record.uploadedBy == "drop:Tax papers" && record.dropID == 1 && record.size == 3)
        let listed = try SharingHarness.object(try sharing.send("GET", "/files/2").body)
        #expect(listed.string("uploaded_by") == "drop:Tax papers" && listed.int("drop_id") == 1)
        let text = try upload(sharing, url, description: "more", bytes: [4])
        #expect(text.body == "file g.bin uploaded successfully")
        let drops = try SharingHarness.object(try sharing.send("GET", "/drops").body)
        guard case .array(let items)? = drops["drops"], case .object(let drop)? = items.first else {
            throw SharingHarness.NotAnObject(text: "")
        }
        #expect(drop.int("files") == 2 && drop.int("bytes") == 4)
        #expect(try sharing.harness.finishIsClean())
    }

    @Test func pastMaxFilesIs403BeforeTheBody() throws {
        let sharing = try SharingHarness(storeFile: false)
        let url = try #require(try sharing.make("/drops", json: "{\"label\": \"one\", \"max_files\": 1}").string("url"))
        #expect(try upload(sharing, url, description: "first", bytes: [1]).hasPrefix("HTTP/1.1 201 "))
        // The page says so instead of offering a form that would be refused.
        let page = try sharing.guest("GET", url)
        #expect(page.hasPrefix("HTTP/1.1 200 ") && page.contains("received all the files it accepts"))
        #expect(!page.contains("name=\"inputFile\""))
        let refused = try sharing.harness.exchange(
            "POST \(url)/upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 500\r\n"
                + "Content-Type: multipart/form-data; boundary=\(FormBody.boundary)\r\n\r\n"
        )
        #expect(refused.hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
        #expect(!refused.contains("100 Continue"))
        #expect(try sharing.harness.count("files") == 1)
    }

    @Test func pastMaxBytesIs413AndNothingIsKept() throws {
        let sharing = try SharingHarness(storeFile: false)
        let url = try #require(try sharing.make("/drops", json: "{\"label\": \"small\", \"max_bytes\": 10}").string("url"))
        #expect(try upload(sharing, url, description: "six", bytes: Array(repeating: 1, count: 6)).hasPrefix("HTTP/1.1 201 "))
        // Exactly full is allowed.
        #expect(try upload(sharing, url, description: "four", bytes: Array(repeating: 3, count: 4)).hasPrefix("HTTP/1.1 201 "))
        // One byte more, sent in full, is refused as soon as it passes; nothing of it is kept.
        let over = try upload(sharing, url, description: "one", bytes: [2])
        #expect(over.hasPrefix("HTTP/1.1 413 "))
        #expect(try sharing.harness.count("files") == 2)
        #expect(try sharing.harness.count("chunks") == 2)
    }

    @Test func aDeclaredLengthPastWhatIsLeftIs413BeforeTheBody() throws {
        let sharing = try SharingHarness(storeFile: false)
        let url = try #require(try sharing.make("/drops", json: "{\"label\": \"small\", \"max_bytes\": 10}").string("url"))
        let declared = try sharing.harness.exchange(
            "POST \(url)/upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: \(8 << 20)\r\n"
                + "Content-Type: multipart/form-data; boundary=\(FormBody.boundary)\r\n\r\n"
        )
        #expect(declared.hasPrefix("HTTP/1.1 413 ") && !declared.contains("100 Continue"))
        #expect(try sharing.harness.count("files") == 0)
    }

    @Test func expiredIs410AndRevokedIs404AndTheFilesStay() throws {
        let sharing = try SharingHarness(storeFile: false)
        let short = try #require(try sharing.make("/drops", json: "{\"label\": \"short\", \"expires_in\": 5}").string("url"))
        let revoked = try sharing.make("/drops", json: "{\"label\": \"revoked\"}")
        let revokedURL = try #require(revoked.string("url"))
        #expect(try upload(sharing, revokedURL, description: "kept", bytes: [1]).hasPrefix("HTTP/1.1 201 "))
        #expect(try sharing.send("DELETE", "/drops/\(revoked.int("id")!)").hasPrefix("HTTP/1.1 204 "))
        #expect(try sharing.send("DELETE", "/drops/\(revoked.int("id")!)").hasPrefix("HTTP/1.1 404 "))
        #expect(try sharing.guest("GET", revokedURL).hasPrefix("HTTP/1.1 404 "))
        #expect(try sharing.harness.storage.files.record(id: 1, now: 0)?.description == "kept")
        sharing.advance(seconds: 5)
        #expect(try sharing.guest("GET", short).hasPrefix("HTTP/1.1 410 "))
        // An upload refused before its body closes the connection: one per harness.
        #expect(try upload(sharing, short, description: "late", bytes: [1]).hasPrefix("HTTP/1.1 410 "))
        let again = try SharingHarness(storeFile: false)
        let gone = try again.make("/drops", json: "{\"label\": \"gone\"}")
        #expect(try again.send("DELETE", "/drops/\(gone.int("id")!)").hasPrefix("HTTP/1.1 204 "))
        #expect(try upload(again, gone.string("url")!, description: "late", bytes: [1]).hasPrefix("HTTP/1.1 404 "))
        #expect(try sharing.harness.count("files") == 1)
        #expect(try again.harness.count("files") == 0)
    }

    @Test func aGuestsDescriptionClashIs409() throws {
        let sharing = try SharingHarness()
        let url = try #require(try sharing.make("/drops", json: "{\"label\": \"x\"}").string("url"))
        let clash = try upload(sharing, url, description: "shared notes", bytes: [1])
        #expect(clash.hasPrefix("HTTP/1.1 409 "))
        // The budget was not charged for it.
        #expect(try sharing.harness.storage.dropLinks.link(id: 1)?.files == 0)
    }

    @Test func theDropPageShowsTheDropZoneAndNoStoredFile() throws {
        let sharing = try SharingHarness()
        let url = try #require(try sharing.make("/drops", json: "{\"label\": \"Photos from the trip\", \"max_files\": 3}").string("url"))
        let page = try sharing.guest("GET", url, headers: ["Authorization: Bearer \(sharing.token)"])
        #expect(page.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(page.header("Referrer-Policy") == "no-referrer" && page.header("Set-Cookie") == nil)
        #expect(page.contains("Photos from the trip") && page.contains("Up to 3 files"))
        #expect(page.contains("action=\"\(url)/upload\"") && page.contains("name=\"inputFile\"") && page.contains("id=\"dropzone\""))
        #expect(!page.contains("notes.txt") && !page.contains("shared notes") && !page.contains(sharing.token))
        #expect(!page.contains("/files"))
    }

    @Test func aGuestReachesNoSignedInRoute() throws {
        let sharing = try SharingHarness()
        let url = try #require(try sharing.make("/drops", json: "{\"label\": \"x\"}").string("url"))
        let token = String(url.dropFirst(3))
        for path in ["/files", "/files/1", "/files/1/content", "/", "/drops", "/files/1/links", "/files?token=\(token)"] {
            #expect(try sharing.guest("GET", path, headers: ["Authorization: Bearer \(token)"]).hasPrefix("HTTP/1.1 401 "), "\(path)")
        }
    }
}
