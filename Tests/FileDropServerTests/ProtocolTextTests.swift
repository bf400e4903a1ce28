import NIOHTTP1
import Testing

@testable import FileDropMultipart
@testable import FileDropServer

/// Escaping and splitting that a combining mark after a delimiter cannot slip past.
@Suite struct ProtocolTextTests {
    static let marks = ["\u{301}", "\u{200D}", "\u{20D2}"]

    @Test(arguments: marks)
    func htmlEscapingSeesADelimiterFollowedByAMark(mark: String) {
        for (raw, escaped) in [("\"", "&quot;"), ("'", "&#39;"), ("<", "&lt;"), (">", "&gt;"), ("&", "&amp;")] {
            #expect(Escaping.html("a\(raw)\(mark) onfocus=x") == "a\(escaped)\(mark) onfocus=x")
        }
    }

    @Test(arguments: marks)
    func delimitersFollowedByAMarkStillSplit(mark: String) {
        for delimiter in [";", "=", ",", "&", "/", ".", "-", " "] {
            let text = "one\(delimiter)\(mark)two"
            let scalar = delimiter.unicodeScalars.first!
            #expect(text.split(ascii: scalar).map(String.init) == ["one", "\(mark)two"], "\(delimiter)")
            #expect(text.splitOnce(ascii: scalar).map { [String($0.before), String($0.after)] } == ["one", "\(mark)two"])
        }
    }

    @Test(arguments: marks)
    func requestPartsSplitOnBytes(mark: String) {
        let head = HTTPTestHead.make(
            uri: "/files?limit=5&\(mark)=1",
            headers: [
                ("Cookie", "a=b;\(mark)c=d; token=t"), ("Accept", "text/plain;q=0.1,\(mark)x/y,application/json"),
            ])
        let request = Request(head: head, clientAddress: "-", receivedAt: .now)
        #expect(request.queryValue("limit") == "5")
        #expect(request.cookie("token") == "t")
        #expect(request.accept.prefersJSON)
        #expect(Conditional.matches(ifNoneMatch: "\"x\",\(mark)\"y\"", etag: "\"x\""))
        #expect(ByteRange.select("bytes=1-\(mark)", size: 10) == .whole)
        #expect(ByteRange.select("bytes=1-2", size: 10) == .partial(start: 1, length: 2))
    }

    /// One reading of `Authorization: <scheme> <credentials>` for the token, the metrics
    /// token, login and a share link's passphrase: the scheme in any ASCII case, whole.
    @Test func authorizationCredentialsNeedTheWholeSchemeInAnyCase() {
        #expect(Request.credentials(in: "Bearer abc", scheme: "bearer") == "abc")
        #expect(Request.credentials(in: "bEARER   abc\t", scheme: "bearer") == "abc")
        #expect(Request.credentials(in: "Basic dTpw", scheme: "basic") == "dTpw")
        #expect(Request.credentials(in: "Bearerx abc", scheme: "bearer") == nil)
        #expect(Request.credentials(in: "Bear abc", scheme: "bearer") == nil)
        #expect(Request.credentials(in: "Basic abc", scheme: "bearer") == nil)
        #expect(Request.credentials(in: "Bearer", scheme: "bearer") == nil)
        #expect(Request.credentials(in: "Bearér abc", scheme: "bearer") == nil)
    }

    @Test func trimmingIsOfSpacesAndTabsOnly() {
        #expect(" \t a b \t ".trimmed == "a b")
        #expect("\u{A0}a".trimmed == "\u{A0}a")
    }

    @Test func aQueryParameterThatIsNotUTF8IsKeptNotDropped() {
        let request = Request(head: HTTPTestHead.make(uri: "/files?cursor=%00x%ff&limit=%zz"), clientAddress: "-", receivedAt: .now)
        #expect(request.queryValue("cursor") == "\u{0}x\u{FFFD}")
        #expect(request.queryValue("limit") == "%zz")
        #expect(Request.parseQuery("a=%ff&b=1").map(\.name) == ["b"])  // a form body stays strict
    }

    @Test func theLogShowsOnlyTheListingsOwnQueryValues() {
        let request = Request(
            head: HTTPTestHead.make(uri: "/files?limit=5&cursor=abc&q=x%20y&token=secret&password=hunter2&key"),
            clientAddress: "-", receivedAt: .now)
        #expect(request.redactedURI == "/files?limit=5&cursor=abc&q=x%20y&token=REDACTED&password=REDACTED&key=REDACTED")
    }

    @Test func contentLengthsPastInt64AreTooLargeNotZero() {
        for (value, expected) in [("12", 12), ("9223372036854775808", Int.max), ("18446744073709551615", Int.max)] {
            let request = Request(
                head: HTTPTestHead.make(uri: "/", headers: [("Content-Length", value)]), clientAddress: "-", receivedAt: .now)
            #expect(request.declaredBodyLength == expected)
        }
    }

    @Test func theUploadLimitSaturates() {
        #expect(UploadStateMachine.largestBody(maxFileSize: .max) == .max)
        #expect(UploadStateMachine.largestBody(maxFileSize: 10) == 10 + UploadStateMachine.bodyOverheadAllowance)
        #expect(
            UploadStateMachine.decide(contentType: "multipart/form-data; boundary=b", declaredBodyLength: 100, maxFileSize: .max)
                == .accept(boundary: "b"))
    }

    @Test(arguments: ["\u{200B}", "\u{200E}", "\u{200F}", "\u{202A}", "\u{202E}", "\u{2066}", "\u{2069}", "\u{FEFF}"])
    func invisibleDirectionAndZeroWidthCharactersLeaveFileNames(invisible: String) {
        #expect(UploadFilename.clean("invoice\(invisible)fdp.exe") == "invoicefdp.exe")
        #expect(UploadFilename.clean(invisible) == UploadFilename.fallback)
    }
}

/// Request heads for tests of `Request`.
enum HTTPTestHead {
    static func make(uri: String, headers: [(String, String)] = []) -> HTTPRequestHead {
        HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: HTTPHeaders(headers))
    }
}
