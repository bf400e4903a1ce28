import FileDropAuth
import Testing

@testable import FileDropServer

/// Share links with a passphrase: the page's form and its cookie, HTTP Basic, and the limit
/// on wrong passphrases, through the real pipeline.
@Suite struct PassphraseChannelTests {
    private func basic(_ password: String) -> String {
        "Authorization: Basic " + Base64.encode(Array("anyone:\(password)".utf8))
    }

    private func unlock(_ sharing: SharingHarness, _ url: String, passphrase: String) throws -> String {
        let body = "passphrase=" + Escaping.percentEncode(passphrase)
        return try sharing.guest("POST", url, headers: ["Content-Type: application/x-www-form-urlencoded", "Origin: null"], body: body)
    }

    @Test func thePassphraseIsStoredOnlyAsAHash() throws {
        let sharing = try SharingHarness()
        let link = try sharing.make("/files/1/links", json: "{\"passphrase\": \"correct horse\"}")
        #expect(link["has_passphrase"] == .bool(true))
        let stored = try #require(try sharing.harness.storage.shareLinks.link(id: 1)?.passphraseHash)
        #expect(stored.hasPrefix("$scrypt$") && !stored.contains("correct horse"))
    }

    @Test func withoutThePassphraseThePageIsTheFormAlone() throws {
        let sharing = try SharingHarness()
        let url = try #require(try sharing.make("/files/1/links", json: "{\"passphrase\": \"pw\"}").string("url"))
        let page = try sharing.guest("GET", url)
        #expect(page.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(page.contains("name=\"passphrase\"") && page.contains("action=\"\(url)\""))
        #expect(!page.contains("notes.txt") && !page.contains("shared notes") && !page.contains("/content"))
        let content = try sharing.guest("GET", url + "/content")
        #expect(content.hasPrefix("HTTP/1.1 401 "))
        #expect(content.header("WWW-Authenticate") == "Basic realm=\"FileDrop shared file\", charset=\"UTF-8\"")
    }

    @Test func basicWithAnyUserNameOpensTheContent() throws {
        let sharing = try SharingHarness()
        let url = try #require(try sharing.make("/files/1/links", json: "{\"passphrase\": \"pw: with colon\"}").string("url"))
        #expect(try sharing.guest("GET", url + "/content", headers: [basic("wrong")]).hasPrefix("HTTP/1.1 401 "))
        let right = try sharing.guest("GET", url + "/content", headers: [basic("pw: with colon")])
        #expect(right.hasPrefix("HTTP/1.1 200 ") && right.body == String(decoding: SharingHarness.content, as: UTF8.self))
        let page = try sharing.guest("GET", url, headers: [basic("pw: with colon")])
        #expect(page.contains("notes.txt"))
    }

    @Test func theFormSetsACookieForThisLinkOnly() throws {
        let sharing = try SharingHarness()
        let url = try #require(try sharing.make("/files/1/links", json: "{\"passphrase\": \"pw\"}").string("url"))
        let other = try #require(try sharing.make("/files/1/links", json: "{\"passphrase\": \"pw\"}").string("url"))
        let wrong = try unlock(sharing, url, passphrase: "nope")
        #expect(wrong.hasPrefix("HTTP/1.1 401 ") && wrong.contains("Wrong passphrase") && wrong.header("Set-Cookie") == nil)

        let right = try unlock(sharing, url, passphrase: "pw")
        #expect(right.hasPrefix("HTTP/1.1 303 See Other\r\n"))
        #expect(right.header("Location") == url)
        let setCookie = try #require(right.header("Set-Cookie"))
        let attributes = setCookie.split(separator: ";").map { $0.trimmed }
        #expect(attributes.contains("Path=\(url)") && attributes.contains("HttpOnly") && attributes.contains("SameSite=Strict"))
        #expect(attributes.contains("Max-Age=3600"))
        #expect(!setCookie.hasPrefix("token="))
        let cookie = String(attributes[0])

        let page = try sharing.guest("GET", url, headers: ["Cookie: \(cookie)"])
        #expect(page.contains("notes.txt"))
        #expect(try sharing.guest("GET", url + "/content", headers: ["Cookie: \(cookie)"]).hasPrefix("HTTP/1.1 200 "))
        // Sent to another link by hand, it opens nothing there.
        #expect(try sharing.guest("GET", other + "/content", headers: ["Cookie: \(cookie)"]).hasPrefix("HTTP/1.1 401 "))
        // It stops working after an hour, whatever the browser keeps.
        sharing.advance(seconds: 3600)
        #expect(try sharing.guest("GET", url + "/content", headers: ["Cookie: \(cookie)"]).hasPrefix("HTTP/1.1 401 "))
    }

    @Test func fiveWrongPassphrasesLockTheAddressOutOfEveryLink() throws {
        let sharing = try SharingHarness()
        let url = try #require(try sharing.make("/files/1/links", json: "{\"passphrase\": \"pw\"}").string("url"))
        let other = try #require(try sharing.make("/files/1/links", json: "{\"passphrase\": \"other\"}").string("url"))
        for attempt in 0..<5 {
            let target = attempt.isMultiple(of: 2) ? url : other
            #expect(try sharing.guest("GET", target + "/content", headers: [basic("guess \(attempt)")]).hasPrefix("HTTP/1.1 401 "))
        }
        let locked = try sharing.guest("GET", url + "/content", headers: [basic("pw")])
        #expect(locked.hasPrefix("HTTP/1.1 429 "))
        #expect(locked.header("Retry-After") == "60")
        let form = try unlock(sharing, other, passphrase: "other")
        #expect(form.hasPrefix("HTTP/1.1 429 ") && form.header("Set-Cookie") == nil)
        // The page shows the form alone, saying why.
        let page = try sharing.guest("GET", url)
        #expect(page.contains("name=\"passphrase\"") && page.contains("Too many wrong passphrases") && !page.contains("notes.txt"))
        // Failed logins are counted apart: the same address may still sign in.
        let login = try sharing.guest("GET", "/login", headers: [Self.loginHeader])
        #expect(login.hasPrefix("HTTP/1.1 200 "))
        sharing.advance(seconds: 60)
        #expect(try sharing.guest("GET", url + "/content", headers: [basic("pw")]).hasPrefix("HTTP/1.1 200 "))
    }

    private static let loginHeader = "Authorization: Basic " + Base64.encode(Array("ann:secret".utf8))
}
