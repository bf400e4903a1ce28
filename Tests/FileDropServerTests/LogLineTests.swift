import FileDropAuth
import Logging
import Testing

@testable import FileDropServer

/// `--log-format json`: every line one JSON object, whatever a client put in a path.
@Suite struct LogLineTests {
    static let hostile = [
        "plain", "quote \" and backslash \\", "new\nline and \r and \t", "\u{0}\u{1}\u{1B}[31m\u{7F}", "é€😀\u{2028}\u{2029}",
        "\u{FFFD}", String(decoding: [0x66, 0xFF, 0xC3, 0x28, 0x6F], as: UTF8.self),
    ]

    @Test(arguments: hostile)
    func aMessageIsOneParsableObject(text: String) throws {
        let line = LogLineHandler.json(level: .warning, message: text, metadata: ["extra": "\(text)"])
        #expect(!line.contains("\n") && !line.contains("\r"))
        let fields = try #require(JSONText.stringFields(Array(line.utf8)))
        #expect(fields["message"] == text && fields["extra"] == text && fields["level"] == "warning")
        #expect(fields["time"]?.hasSuffix("Z") == true)
    }

    @Test(arguments: hostile)
    func anAccessLineHasItsFields(path: String) throws {
        let metadata: Logger.Metadata = [
            AccessLog.kindKey: "access", "method": "GET", "path": "\(path)", "status": "404", "bytes": "21", "duration_ms": "0.4",
            "user": "-", "client": "127.0.0.1",
        ]
        let line = LogLineHandler.json(level: .info, message: "ignored", metadata: metadata)
        let fields = try #require(JSONText.stringFields(Array(line.utf8)))
        #expect(fields["path"] == path && fields["method"] == "GET" && fields["client"] == "127.0.0.1" && fields["user"] == "-")
        #expect(fields["message"] == nil)
        #expect(line.contains("\"status\":404,") && line.contains("\"bytes\":21,") && line.contains("\"duration_ms\":0.4,"))
    }
}

@Suite struct PrometheusTextTests {
    @Test func histogramsAreCumulativeWithSumAndCount() {
        var text = PrometheusText()
        text.describe("x_seconds", .histogram, "help")
        text.histogram("x_seconds", label: ("route", "a\"b"), bounds: [0.1, 1], counts: [2, 0, 3], sum: 4.5)
        #expect(
            text.text == """
                # HELP x_seconds help
                # TYPE x_seconds histogram
                x_seconds_bucket{route="a\\"b",le="0.1"} 2
                x_seconds_bucket{route="a\\"b",le="1"} 2
                x_seconds_bucket{route="a\\"b",le="+Inf"} 5
                x_seconds_sum{route="a\\"b"} 4.5
                x_seconds_count{route="a\\"b"} 5

                """
        )
    }

    @Test(arguments: [("plain", "plain"), ("a\\b", "a\\\\b"), ("line\nfeed", "line\\nfeed"), ("q\"", "q\\\"")])
    func labelValuesAreEscaped(value: String, escaped: String) {
        #expect(PrometheusText.escape(value) == escaped)
    }
}
