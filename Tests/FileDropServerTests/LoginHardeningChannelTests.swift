import FileDropAuth
import NIOCore
import NIOEmbedded
import Testing

@testable import FileDropServer

/// Issue #9 through the real pipeline with a real database: cross-origin login posts, the
/// per-account back-off, trusted proxies, the session cookie, token age, Basic credentials
/// split on bytes, and browsers reaching a loopback server under a foreign name.
@Suite struct LoginHardeningChannelTests {
    private static func basic(_ credentials: [UInt8], headers: String = "") -> String {
        "GET /login HTTP/1.1\r\nHost: x\r\n\(headers)Authorization: Basic \(Base64.encode(credentials))\r\n\r\n"
    }

    private static func basic(_ credentials: String, headers: String = "") -> String {
        basic(Array(credentials.utf8), headers: headers)
    }

    private static func formPost(_ body: String, headers: String) -> String {
        "POST /login HTTP/1.1\r\nHost: files.example:5000\r\n\(headers)Content-Type: application/x-www-form-urlencoded\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    private static func answer(_ connection: EmbeddedChannel, _ request: String) throws -> String {
        try connection.writeInbound(ByteBuffer(string: request))
        connection.embeddedEventLoop.run()
        var bytes: [UInt8] = []
        while let buffer = try connection.readOutbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: Cross-origin login posts (finding 8)

    @Test(arguments: [
        "Origin: http://evil.example\r\n", "Origin: null\r\n", "Sec-Fetch-Site: cross-site\r\n",
        "Referer: http://evil.example/page\r\n", "Origin: https://files.example:5000\r\nSec-Fetch-Site: cross-site\r\n",
    ])
    func aLoginPostedFromAnotherOriginIs403(headers: String) throws {
        let harness = try PipelineHarness()
        try harness.addUser("ann", password: "right")
        for _ in 0..<6 {
            let form = try harness.exchange(Self.formPost("username=ann&password=wrong", headers: headers))
            #expect(form.hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
            #expect(form.header("Set-Cookie") == nil)
            let json = #"{"username":"ann","password":"right"}"#
            let answer = try harness.exchange(
                "POST /login HTTP/1.1\r\nHost: files.example:5000\r\n\(headers)Content-Type: application/json\r\n"
                    + "Content-Length: \(json.utf8.count)\r\n\r\n\(json)"
            )
            #expect(answer.hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
        }
        // None of them counted as a failure.
        let sameOrigin = "Origin: http://files.example:5000\r\nSec-Fetch-Site: same-origin\r\n"
        #expect(try harness.exchange(Self.formPost("username=ann&password=right", headers: sameOrigin)).hasPrefix("HTTP/1.1 303 "))
        #expect(try harness.exchange(Self.formPost("username=ann&password=right", headers: "")).hasPrefix("HTTP/1.1 303 "))
        #expect(try harness.finishIsClean())
    }

    // MARK: The per-account back-off (finding 3)

    @Test func fiveFailuresFromFiveAddressesLockTheAccountNotTheAddresses() throws {
        let harness = try PipelineHarness()
        try harness.addUser("ann", password: "right")
        try harness.addUser("bob", password: "right")
        for n in 1...5 {
            let connection = try harness.connection(from: "192.0.2.\(n)")
            #expect(try Self.answer(connection, Self.basic("ann:wrong")).hasPrefix("HTTP/1.1 401 "))
        }
        let other = try harness.connection(from: "192.0.2.50")
        let locked = try Self.answer(other, Self.basic("ann:right"))
        #expect(locked.hasPrefix("HTTP/1.1 429 Too Many Requests\r\n"))
        #expect(locked.header("Retry-After") == "1")
        // Another account from one of those addresses is fine.
        let first = try harness.connection(from: "192.0.2.1")
        #expect(try Self.answer(first, Self.basic("bob:right")).hasPrefix("HTTP/1.1 200 "))
    }

    // MARK: Trusted proxies and the session cookie

    @Test func behindATrustedProxyTheForwardedClientIsLimitedAndHTTPSMakesTheCookieSecure() throws {
        var configuration = ServerConfiguration()
        configuration.trustedProxies = [try AddressRange(parsing: "127.0.0.1")]
        let harness = try PipelineHarness(configuration: configuration)
        try harness.addUser("ann", password: "right")
        for n in 0..<5 {
            let answer = try harness.exchange(Self.basic("nobody\(n):wrong", headers: "X-Forwarded-For: 203.0.113.7\r\n"))
            #expect(answer.hasPrefix("HTTP/1.1 401 "))
        }
        #expect(try harness.exchange(Self.basic("ann:right", headers: "X-Forwarded-For: 203.0.113.7\r\n")).hasPrefix("HTTP/1.1 429 "))
        #expect(try harness.exchange(Self.basic("ann:right", headers: "X-Forwarded-For: 203.0.113.8\r\n")).hasPrefix("HTTP/1.1 200 "))

        let secure = try harness.exchange(
            Self.formPost("username=ann&password=right", headers: "X-Forwarded-For: 203.0.113.8\r\nX-Forwarded-Proto: https\r\n")
        )
        #expect(secure.hasPrefix("HTTP/1.1 303 "))
        #expect(secure.header("Set-Cookie")?.hasSuffix("; Max-Age=1200; Secure") == true)
        let plain = try harness.exchange(Self.formPost("username=ann&password=right", headers: "X-Forwarded-For: 203.0.113.8\r\n"))
        #expect(plain.header("Set-Cookie")?.hasSuffix("; Max-Age=1200") == true)
        #expect(try harness.finishIsClean())
    }

    @Test func withoutTrustedProxiesForwardingHeadersAreIgnored() throws {
        let harness = try PipelineHarness()
        try harness.addUser("ann", password: "right")
        for n in 0..<5 {
            _ = try harness.exchange(Self.basic("nobody\(n):wrong", headers: "X-Forwarded-For: 203.0.113.\(n)\r\n"))
        }
        #expect(try harness.exchange(Self.basic("ann:right", headers: "X-Forwarded-For: 203.0.113.99\r\n")).hasPrefix("HTTP/1.1 429 "))
        let secure = try PipelineHarness()
        try secure.addUser("ann", password: "right")
        let answer = try secure.exchange(Self.formPost("username=ann&password=right", headers: "X-Forwarded-Proto: https\r\n"))
        #expect(answer.header("Set-Cookie")?.contains("Secure") == false)
    }

    @Test func thePageCookieLivesAsLongAsTheTokenHasLeft() throws {
        let harness = try PipelineHarness()
        try harness.addUser("ann", password: "right")
        let now = Int64(PipelineHarness.now)
        let token = JWTSigner(key: Array(repeating: 0x61, count: 32)).sign(
            subject: "ann", issuedAt: now - 30, expiresAt: now + 300, tokenID: "short"
        )
        let page = try harness.exchange("GET /?token=\(token) HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n")
        #expect(page.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(page.header("Set-Cookie") == "token=\(token); HttpOnly; SameSite=Strict; Path=/; Max-Age=300")
    }

    // MARK: Token age (finding 9)

    @Test(arguments: [(Int64(1200), true), (1230, true), (1231, false), (1_000_000_000, false)])
    func aTutorialTokenMayNotExpireFurtherAheadThanTheLifetime(ahead: Int64, accepted: Bool) throws {
        let harness = try PipelineHarness()
        try harness.addUser("ann", password: "right")
        let header = Base64URL.encode(#"{"alg":"HS256","typ":"JWT"}"#.utf8)
        let payload = Base64URL.encode(#"{"user":"ann","exp":\#(Int64(PipelineHarness.now) + ahead)}"#.utf8)
        let signature = Crypto.hmacSHA256(key: Array(repeating: 0x61, count: 32), message: (header + "." + payload).utf8)
        let token = header + "." + payload + "." + Base64URL.encode(signature)
        #expect(harness.accepts(token) == accepted)
    }

    // MARK: Basic credentials split on bytes

    @Test(arguments: ["\u{301}starts with a combining mark", ":\u{301}", "a:b:\u{301}c", "\u{200D}:"])
    func passwordsWithColonsAndCombiningMarksLogIn(password: String) throws {
        let harness = try PipelineHarness()
        try harness.addUser("eve", password: password)
        let answer = try harness.exchange(Self.basic(Array("eve:".utf8) + Array(password.utf8)))
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
    }

    @Test func basicCredentialsThatAreNotUTF8AreAFailure() throws {
        let harness = try PipelineHarness()
        try harness.addUser("eve", password: "pw")
        for _ in 0..<5 {
            #expect(try harness.exchange(Self.basic(Array("eve:".utf8) + [0xFF, 0xFE])).hasPrefix("HTTP/1.1 401 "))
        }
        #expect(try harness.exchange(Self.basic("eve:pw")).hasPrefix("HTTP/1.1 429 "))
    }

    // MARK: DNS rebinding

    @Test(arguments: [
        ("attacker.example:5000", "Sec-Fetch-Site: same-origin\r\n", false),
        ("attacker.example:5000", "Origin: http://attacker.example:5000\r\n", false),
        ("127.0.0.1.nip.io:5000", "Sec-Fetch-Mode: cors\r\n", false),
        ("attacker.example:5000", "", true),
        ("x", "", true),
        ("localhost:5000", "Sec-Fetch-Site: same-origin\r\n", true),
        ("LOCALHOST.", "Sec-Fetch-Site: none\r\n", true),
        ("files.localhost:5000", "Sec-Fetch-Site: same-origin\r\n", true),
        ("127.0.0.1:5000", "Origin: http://127.0.0.1:5000\r\n", true),
        ("127.1.2.3", "Sec-Fetch-Site: same-origin\r\n", true),
        ("[::1]:5000", "Sec-Fetch-Site: same-origin\r\n", true),
        ("[::2]:5000", "Sec-Fetch-Site: same-origin\r\n", false),
        ("128.0.0.1:5000", "Sec-Fetch-Site: same-origin\r\n", false),
    ])
    func aBrowserReachesALoopbackServerOnlyUnderALoopbackName(host: String, headers: String, allowed: Bool) throws {
        let harness = try PipelineHarness()
        harness.channel.localAddress = try SocketAddress(ipAddress: "127.0.0.1", port: 5000)
        let answer = try harness.exchange("GET /healthz HTTP/1.1\r\nHost: \(host)\r\n\(headers)\r\n")
        if allowed {
            #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
        } else {
            #expect(answer.hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
            #expect(answer.body.contains("--trusted-proxy 127.0.0.1/32"))
        }
    }

    @Test func theHostIsNotCheckedOffLoopbackOrFromATrustedProxy() throws {
        let request = "GET /healthz HTTP/1.1\r\nHost: files.example.com\r\nSec-Fetch-Site: same-origin\r\n\r\n"
        let public_ = try PipelineHarness()
        public_.channel.localAddress = try SocketAddress(ipAddress: "192.0.2.10", port: 5000)
        #expect(try public_.exchange(request).hasPrefix("HTTP/1.1 200 OK\r\n"))
        var configuration = ServerConfiguration()
        configuration.trustedProxies = [try AddressRange(parsing: "127.0.0.0/8")]
        let proxied = try PipelineHarness(configuration: configuration)
        proxied.channel.localAddress = try SocketAddress(ipAddress: "127.0.0.1", port: 5000)
        #expect(try proxied.exchange(request).hasPrefix("HTTP/1.1 200 OK\r\n"))
    }
}
