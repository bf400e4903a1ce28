import FileDropAuth
import NIOHTTP1
import Testing

@testable import FileDropServer

@Suite struct ByteRangeTests {
    @Test(arguments: [
        ("bytes=0-0", ByteRange.Selection.partial(start: 0, length: 1)),
        ("bytes=10-", .partial(start: 10, length: 90)),
        ("bytes=-10", .partial(start: 90, length: 10)),
        ("bytes=-1000", .partial(start: 0, length: 100)),
        ("bytes=50-5000", .partial(start: 50, length: 50)),
        ("bytes=100-", .unsatisfiable),
        ("bytes=-0", .unsatisfiable),
        ("bytes=0-1,5-6", .whole),
        ("items=0-1", .whole),
        ("bytes=5-1", .whole),
        ("bytes=a-b", .whole),
    ])
    func selections(header: String, expected: ByteRange.Selection) {
        #expect(ByteRange.select(header, size: 100) == expected)
    }

    @Test func anEmptyFileSatisfiesNoRange() {
        #expect(ByteRange.select("bytes=0-", size: 0) == .unsatisfiable)
    }
}

@Suite struct AcceptHeaderTests {
    @Test func browsersPreferHTMLAndCurlDoesNot() {
        let browser = AcceptHeader("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        #expect(browser.prefersHTML)
        #expect(!browser.prefersJSON)
        #expect(!AcceptHeader("*/*").prefersHTML)
        #expect(!AcceptHeader("*/*").prefersJSON)
        #expect(!AcceptHeader("").prefersHTML)
    }

    @Test func jsonMustBeListedAboveText() {
        #expect(AcceptHeader("application/json").prefersJSON)
        #expect(AcceptHeader("application/json, text/plain;q=0.5").prefersJSON)
        #expect(!AcceptHeader("application/json;q=0.5, text/*").prefersJSON)
        #expect(!AcceptHeader("text/plain, application/json").prefersJSON)
    }
}

@Suite struct SmallPieceTests {
    @Test func rfc3339() {
        #expect(RFC3339.format(unixSeconds: 0) == "1970-01-01T00:00:00Z")
        #expect(RFC3339.format(unixSeconds: 951_782_400) == "2000-02-29T00:00:00Z")
        #expect(RFC3339.format(unixSeconds: 1_795_926_645) == "2026-11-29T04:30:45Z")
        #expect(RFC3339.format(unixMilliseconds: 1_795_926_645_999) == "2026-11-29T04:30:45Z")
    }

    @Test func templatesEscapeValuesButNotHTMLPieces() {
        let template = Template("<p>{{name}}</p>{{{rows}}}{{ missing }}")
        #expect(template.render(["name": "<b>&\"'", "rows": "<tr></tr>"]) == "<p>&lt;b&gt;&amp;&quot;&#39;</p><tr></tr>")
    }

    @Test func jsonEscaping() {
        #expect(JSONText.quoted("a\"b\\c\n\u{01}é") == "\"a\\\"b\\\\c\\n\\u0001é\"")
    }

    @Test func contentDispositionKeepsTheNameExactAndTheFallbackSafe() {
        let header = ContentDisposition.attachment(filename: "rapport \"final\" €.pdf")
        #expect(header == "attachment; filename=\"rapport _final_ _.pdf\"; filename*=UTF-8''rapport%20%22final%22%20%E2%82%AC.pdf")
    }

    @Test func crossSiteOrigins() {
        #expect(CrossSiteCheck.authority(of: "http://127.0.0.1:5000") == "127.0.0.1:5000")
        #expect(CrossSiteCheck.authority(of: "https://box.example/page?x") == "box.example")
        #expect(CrossSiteCheck.authority(of: "null") == nil)
    }

    @Test func descriptionsAreTrimmedAndCountedInScalars() throws {
        #expect(try UploadDescription.parse(Array("  hi \n".utf8)).get() == "hi")
        #expect(throws: UploadDescription.Problem.self) { try UploadDescription.parse(Array("   ".utf8)).get() }
        #expect(throws: UploadDescription.Problem.self) { try UploadDescription.parse([0xFF, 0x41]).get() }
        #expect(throws: UploadDescription.Problem.self) { try UploadDescription.parse(nil).get() }
        let exactly200 = String(repeating: "é", count: 200)
        #expect(try UploadDescription.parse(Array(exactly200.utf8)).get() == exactly200)
        #expect(throws: UploadDescription.Problem.self) { try UploadDescription.parse(Array((exactly200 + "x").utf8)).get() }
    }

    @Test func everyTemplateTheServerFillsIsCompiledIn() {
        for name in ["login.html", "index.html", "file-row.html", "pager.html", "result.html"] {
            #expect(!StaticAssets.template(name).isEmpty)
        }
        #expect(StaticAssets.favicon != nil)
    }
}
