import FileDropAuth
import Testing

@testable import FileDropServer

/// Share links through the real pipeline and a real database: making, listing and revoking
/// them, and every status of the public `/s/TOKEN/content` that needs no process.
@Suite struct ShareLinkChannelTests {
    @Test func aLinkHasExactlyTheSpecFields() throws {
        let sharing = try SharingHarness()
        let link = try sharing.make("/files/1/links", json: "{\"expires_in\": 60, \"max_downloads\": 3}")
        #expect(Set(link.keys) == ["id", "url", "expires_at", "max_downloads", "downloads", "has_passphrase", "created_by", "created_at"])
        #expect(link.int("id") == 1)
        let url = try #require(link.string("url"))
        #expect(url.hasPrefix("/s/") && LinkTokens.isWellFormed(url.dropFirst(3)))
        #expect(link.string("expires_at") == RFC3339.format(unixSeconds: Int64(PipelineHarness.now) + 60))
        #expect(link.string("created_at") == RFC3339.format(unixSeconds: Int64(PipelineHarness.now)))
        #expect(link.int("max_downloads") == 3 && link.int("downloads") == 0)
        #expect(link["has_passphrase"] == .bool(false) && link.string("created_by") == "ann")
        // Defaults: a week, no limit.
        let plain = try sharing.make("/files/1/links")
        #expect(plain.string("expires_at") == RFC3339.format(unixSeconds: Int64(PipelineHarness.now) + 7 * 86_400))
        #expect(plain["max_downloads"] == .null)
        #expect(try sharing.harness.finishIsClean())
    }

    @Test(arguments: [
        "[]", "\"x\"", "{", "{\"expires_in\": 0}", "{\"expires_in\": -5}", "{\"expires_in\": 1.5}", "{\"expires_in\": \"60\"}",
        "{\"expires_in\": 2592001}", "{\"max_downloads\": 0}", "{\"max_downloads\": true}", "{\"passphrase\": \"\"}",
        "{\"passphrase\": 5}", "{\"max_download\": 1}",
    ])
    func badBodiesAre400(json: String) throws {
        let sharing = try SharingHarness()
        let answer = try sharing.send("POST", "/files/1/links", json: json)
        #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(json)")
        #expect(try sharing.harness.count("share_links") == 0)
    }

    @Test func theLongestLifeIsTheServersSetting() throws {
        var configuration = ServerConfiguration()
        configuration.maxLinkTTL = 3600
        let sharing = try SharingHarness(configuration: configuration)
        #expect(try sharing.send("POST", "/files/1/links", json: "{\"expires_in\": 3601}").hasPrefix("HTTP/1.1 400 "))
        // The default week is cut to the setting rather than refused.
        let link = try sharing.make("/files/1/links")
        #expect(link.string("expires_at") == RFC3339.format(unixSeconds: Int64(PipelineHarness.now) + 3600))
    }

    @Test func listingAndRevoking() throws {
        let sharing = try SharingHarness()
        let first = try sharing.make("/files/1/links")
        let second = try sharing.make("/files/1/links", json: "{\"passphrase\": \"pw\"}")
        let listed = try SharingHarness.object(try sharing.send("GET", "/files/1/links").body)
        guard case .array(let links)? = listed["links"] else { throw SharingHarness.NotAnObject(text: "\(listed)") }
        #expect(links.count == 2)
        #expect(links.first == .object(second))  // newest first, the same URL as when made
        #expect(try sharing.send("DELETE", "/links/\(first.int("id")!)").hasPrefix("HTTP/1.1 204 "))
        #expect(try sharing.send("DELETE", "/links/\(first.int("id")!)").hasPrefix("HTTP/1.1 404 "))
        #expect(try sharing.guest("GET", first.string("url")! + "/content").hasPrefix("HTTP/1.1 404 "))
        #expect(try sharing.send("GET", "/files/9/links").hasPrefix("HTTP/1.1 404 "))
        #expect(try sharing.send("POST", "/files/9/links").hasPrefix("HTTP/1.1 404 "))
        #expect(try sharing.harness.finishIsClean())
    }

    @Test func makingAndRevokingNeedASessionAndFollowTheCSRFRule() throws {
        let sharing = try SharingHarness()
        #expect(try sharing.guest("POST", "/files/1/links").hasPrefix("HTTP/1.1 401 "))
        #expect(try sharing.guest("GET", "/drops").hasPrefix("HTTP/1.1 401 "))
        let foreign = try sharing.send("POST", "/files/1/links", cookie: true, origin: "http://evil.example")
        #expect(foreign.hasPrefix("HTTP/1.1 403 "))
        #expect(try sharing.harness.count("share_links") == 0)
        #expect(try sharing.send("POST", "/files/1/links", json: "{}", cookie: true, origin: "http://x").hasPrefix("HTTP/1.1 201 "))
        #expect(try sharing.send("DELETE", "/links/1", cookie: true, origin: "null").hasPrefix("HTTP/1.1 403 "))
        #expect(try sharing.send("DELETE", "/links/1", cookie: true, origin: "http://x").hasPrefix("HTTP/1.1 204 "))
    }

    // MARK: The public side

    @Test func theContentHasTheDownloadHeadersAndCountsWholeAnswersOnly() throws {
        let sharing = try SharingHarness()
        let url = try #require(try sharing.make("/files/1/links", json: "{\"max_downloads\": 2}").string("url"))
        let head = try sharing.guest("HEAD", url + "/content")
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        let etag = try #require(head.header("ETag"))
        #expect(try sharing.guest("GET", url + "/content", headers: ["If-None-Match: \(etag)"]).hasPrefix("HTTP/1.1 304 "))
        let later = try sharing.guest("GET", url + "/content", headers: ["Range: bytes=5-"])
        #expect(later.hasPrefix("HTTP/1.1 206 ") && later.body == String(decoding: SharingHarness.content[5...], as: UTF8.self))
        #expect(try sharing.guest("GET", url + "/content", headers: ["Range: bytes=999-"]).hasPrefix("HTTP/1.1 416 "))
        #expect(try sharing.harness.storage.files.record(id: 1, now: 0)?.downloads == 0)

        let whole = try sharing.guest("GET", url + "/content", headers: ["Authorization: Bearer not-a-token"])
        #expect(whole.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(whole.body == String(decoding: SharingHarness.content, as: UTF8.self))
        for (name, value) in [
            ("Content-Disposition", "attachment; filename=\"notes.txt\"; filename*=UTF-8''notes.txt"),
            ("X-Content-Type-Options", "nosniff"), ("Content-Security-Policy", "sandbox"), ("Accept-Ranges", "bytes"),
            ("Referrer-Policy", "no-referrer"), ("ETag", etag), ("Content-Type", "text/plain"),
        ] {
            #expect(whole.header(name) == value, "\(name)")
        }
        #expect(whole.header("Set-Cookie") == nil)
        let first = try sharing.guest("GET", url + "/content", headers: ["Range: bytes=0-4"])
        #expect(first.hasPrefix("HTTP/1.1 206 ") && first.body == "hello")
        #expect(try sharing.harness.storage.files.record(id: 1, now: 0)?.downloads == 2)
        let spent = try sharing.guest("GET", url + "/content")
        #expect(spent.hasPrefix("HTTP/1.1 410 Gone\r\n"))
        #expect(try sharing.guest("HEAD", url + "/content").hasPrefix("HTTP/1.1 410 "))
        #expect(try sharing.guest("GET", url).hasPrefix("HTTP/1.1 410 "))
        #expect(try sharing.harness.finishIsClean())
    }

    @Test func aLinkExpires() throws {
        let sharing = try SharingHarness()
        let url = try #require(try sharing.make("/files/1/links", json: "{\"expires_in\": 2}").string("url"))
        #expect(try sharing.guest("GET", url + "/content").hasPrefix("HTTP/1.1 200 "))
        sharing.advance(seconds: 2)
        #expect(try sharing.guest("GET", url + "/content").hasPrefix("HTTP/1.1 410 "))
        let page = try sharing.guest("GET", url, headers: ["Accept: text/html"])
        #expect(page.hasPrefix("HTTP/1.1 410 ") && page.contains("Link expired"))
    }

    @Test func unknownTokensAndDeletedFilesAre404() throws {
        let sharing = try SharingHarness()
        let url = try #require(try sharing.make("/files/1/links").string("url"))
        #expect(try sharing.guest("GET", "/s/AAAAAAAAAAAAAAAAAAAAAAAA/content").hasPrefix("HTTP/1.1 404 "))
        #expect(try sharing.guest("GET", "/s/short/content").hasPrefix("HTTP/1.1 404 "))
        #expect(try sharing.send("DELETE", "/files/1").hasPrefix("HTTP/1.1 204 "))
        #expect(try sharing.guest("GET", url + "/content").hasPrefix("HTTP/1.1 404 "))
        #expect(try sharing.guest("GET", url).hasPrefix("HTTP/1.1 404 "))
        #expect(try sharing.harness.count("share_links") == 0)
    }

    @Test func thePageShowsTheFileAndNothingOfTheStore() throws {
        let sharing = try SharingHarness()
        let url = try #require(try sharing.make("/files/1/links", json: "{\"max_downloads\": 4}").string("url"))
        let page = try sharing.guest("GET", url, headers: ["Cookie: token=\(sharing.token)"])
        #expect(page.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(page.header("Referrer-Policy") == "no-referrer")
        #expect(page.header("Content-Security-Policy") == Response.pageSecurityPolicy)
        #expect(page.header("Set-Cookie") == nil)
        #expect(page.contains("notes.txt") && page.contains("shared notes") && page.contains("20 B"))
        #expect(page.contains("href=\"\(url)/content\""))
        #expect(page.contains(">4<"))  // downloads left
        #expect(!page.contains("ann") && !page.contains(sharing.token))
    }
}
