import FileDropAuth
import Testing

@testable import FileDropServer

/// Logins through the real pipeline, with the password checked against the database.
@Suite struct LoginChannelTests {
    private func basic(_ credentials: String) -> String {
        "GET /login HTTP/1.1\r\nHost: x\r\nAuthorization: Basic \(Base64.encode(credentials.utf8))\r\n\r\n"
    }

    @Test func basicCredentialsGetATokenThatOpensTheAPI() throws {
        let harness = try PipelineHarness()
        try harness.addUser("ann", password: "s3cret: with colon")
        let answer = try harness.exchange(basic("ann:s3cret: with colon"))
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(answer.body.hasPrefix("{\"token\":\""))
        #expect(answer.body.hasSuffix("\",\"expires_in\":1200}"))
        let token = String(answer.body.dropFirst(10).prefix { $0 != "\"" })
        let claims = try JWTVerifier(key: Array(repeating: 0x61, count: 32)).verify(token, now: Int64(PipelineHarness.now))
        #expect(claims.subject == "ann")
        let files = try harness.exchange("GET /files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n")
        #expect(files.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(files.body == "{\"files\":[],\"next_cursor\":null}")
        #expect(try harness.finishIsClean())
    }

    @Test(arguments: ["ann:wrong", "bob:s3cret", "ann", "ann:"])
    func wrongCredentialsAre401WithABasicChallenge(credentials: String) throws {
        let harness = try PipelineHarness()
        try harness.addUser("ann", password: "s3cret")
        let answer = try harness.exchange(basic(credentials))
        #expect(answer.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"))
        #expect(answer.header("WWW-Authenticate") == "Basic realm=\"FileDrop\", charset=\"UTF-8\"")
        #expect(answer.body == "{\"message\":\"Unable to verify\"}")
        #expect(try harness.finishIsClean())
    }

    @Test func fiveFailuresLockTheAddressOutEvenForTheRightPassword() throws {
        let harness = try PipelineHarness()
        try harness.addUser("ann", password: "s3cret")
        // No credentials at all: 401 with the challenge, and not a failure.
        let none = try harness.exchange("GET /login HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(none.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"))
        #expect(none.header("WWW-Authenticate") == "Basic realm=\"FileDrop\", charset=\"UTF-8\"")
        for _ in 0..<5 {
            #expect(try harness.exchange(basic("ann:wrong")).hasPrefix("HTTP/1.1 401 "))
        }
        let locked = try harness.exchange(basic("ann:s3cret"))
        #expect(locked.hasPrefix("HTTP/1.1 429 Too Many Requests\r\n"))
        #expect(locked.header("Retry-After") == "60")
        let json = #"{"username":"ann","password":"s3cret"}"#
        let form = try harness.exchange(
            "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)"
        )
        #expect(form.hasPrefix("HTTP/1.1 429 Too Many Requests\r\n"))
        #expect(try harness.finishIsClean())
    }

    @Test func healthAnswersFromTheDatabase() throws {
        let harness = try PipelineHarness()
        let answer = try harness.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(answer.body == "{\"status\":\"ok\"}")
        #expect(try harness.finishIsClean())
    }
}
