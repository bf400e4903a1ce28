import FileDropMultipart
import NIOCore
import Testing

/// Well-formed bodies: what the data of each part is, and what is not data.
@Suite struct MultipartParserTests {
    static let cases: [(name: String, boundary: String, body: String, data: [String])] = [
        (
            "first delimiter at the very start",
            "B",
            "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello\r\n--B--",
            ["hello"]
        ),
        (
            "preamble before the first delimiter is ignored",
            "B",
            "preamble --B\r\n--\r\n--\r\n--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--B--",
            ["x"]
        ),
        (
            "epilogue after the close delimiter is ignored, even garbage and delimiters",
            "B",
            "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--B--\r\n--B\r\nbad\r\n\u{0}--B-",
            ["x"]
        ),
        (
            "CRLF inside data belongs to the data, the last CRLF to the delimiter",
            "B",
            "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\r\nl1\r\nl2\r\n\r\n\r\n--B--",
            ["\r\nl1\r\nl2\r\n\r\n"]
        ),
        (
            "CRLF -- and a prefix of the boundary inside data",
            "BBB",
            "--BBB\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\r\n--BB\r\n--B\r\n-\r\r\n--BBB--",
            ["\r\n--BB\r\n--B\r\n-\r"]
        ),
        (
            "the boundary without CRLF before it is data",
            "B",
            "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n--B\n--B\r--B\r\n--B--",
            ["--B\n--B\r--B"]
        ),
        (
            "empty part and part without data between fields",
            "B",
            "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\r\n--B\r\n"
                + "Content-Disposition: form-data; name=\"b\"\r\n\r\nb\r\n--B--",
            ["", "b"]
        ),
        (
            "transport padding after delimiters",
            "B",
            "--B  \r\nContent-Disposition: form-data; name=\"a\"\r\n\r\na\r\n--B\t \r\n"
                + "Content-Disposition: form-data; name=\"b\"\r\n\r\nb\r\n--B--  \r\n",
            ["a", "b"]
        ),
    ]

    @Test(arguments: cases)
    func parsesData(name: String, boundary: String, body: String, data: [String]) {
        let outcome = parse(Array(text: body), boundary: boundary)
        #expect(outcome.error == nil, "\(name)")
        #expect(outcome.ended, "\(name)")
        #expect(outcome.data == data, "\(name)")
        #expect(parse(Array(text: body), chunkSize: 1, boundary: boundary) == outcome)
    }

    @Test func missingCloseDelimiterIsTruncatedAtFinish() throws {
        var parser = MultipartParser(boundary: "B")
        let events = try parser.feed(ByteBuffer(string: "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nabc"))
        #expect(events.count == 2)
        #expect(throws: MultipartError.truncated) { try parser.finish() }
        // The error sticks.
        #expect(throws: MultipartError.truncated) { try parser.feed(ByteBuffer(string: "\r\n--B--")) }
    }

    @Test func errorsStickEvenForEmptyFeeds() throws {
        var parser = MultipartParser(boundary: "B")
        #expect(throws: MultipartError.malformed("invalid boundary line")) { try parser.feed(ByteBuffer(string: "--Bx")) }
        #expect(throws: MultipartError.malformed("invalid boundary line")) { try parser.feed(ByteBuffer()) }
        #expect(throws: MultipartError.malformed("invalid boundary line")) { try parser.finish() }
    }

    @Test func bytesAfterTheEndAreIgnored() throws {
        var parser = MultipartParser(boundary: "B")
        let events = try parser.feed(ByteBuffer(string: "--B\r\nContent-Disposition: form-data\r\n\r\n\r\n--B--"))
        #expect(events.map(\.kind) == ["partBegin", "partEnd", "end"])
        #expect(try parser.feed(ByteBuffer(string: "\r\n--B\r\n\u{0}junk")).isEmpty)
        try parser.finish()
    }

    @Test(arguments: ["", "preamble only", "--B\r\n", "--B\r\nContent-Disposition: form-data", "--B-"])
    func bodiesEndingEarlyAreTruncated(body: String) {
        #expect(parse(Array(text: body), boundary: "B").error == .truncated)
    }

    @Test func dataIsSlicedFromTheFedBufferWithoutCopying() throws {
        var parser = MultipartParser(boundary: "B")
        _ = try parser.feed(ByteBuffer(string: "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"))
        let buffer = ByteBuffer(repeating: 0x41, count: 1000)
        let events = try parser.feed(buffer)
        guard events.count == 1, case .body(let slice) = events[0] else {
            Issue.record("expected one body event, got \(events)")
            return
        }
        let fedAddress = buffer.withUnsafeReadableBytes { $0.baseAddress }
        #expect(slice.withUnsafeReadableBytes { $0.baseAddress } == fedAddress)
    }

    @Test func heldBackBytesAreReleasedWhenNoDelimiterFollows() throws {
        var parser = MultipartParser(boundary: "B")
        _ = try parser.feed(ByteBuffer(string: "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nab\r\n-"))
        let events = try parser.feed(ByteBuffer(string: "x"))
        let data = events.compactMap { event -> String? in
            if case .body(let buffer) = event { return String(buffer: buffer) } else { return nil }
        }
        #expect(data == ["\r\n-", "x"])
    }

    @Test func rawControlCharactersInAFilenameAreKeptForCleaning() throws {
        var parser = MultipartParser(boundary: "B")
        let events = try parser.feed(
            ByteBuffer(
                string: "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\u{1}b\u{1F}c\u{7F}d.txt\"\r\n\r\nx\r\n--B--")
        )
        guard case .partBegin(let head) = events.first else {
            Issue.record("expected a part, got \(events)")
            return
        }
        #expect(head.filename == "a\u{1}b\u{1F}c\u{7F}d.txt")
        #expect(UploadFilename.clean(head.filename) == "abcd.txt")
    }

    @Test func partBeginComesBeforeAnyDataAndPartEndAfter() throws {
        var parser = MultipartParser(boundary: "B")
        let events = try parser.feed(
            ByteBuffer(string: "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nxy\r\n--B--")
        )
        #expect(events.map(\.kind) == ["partBegin", "body", "partEnd", "end"])
    }
}

extension MultipartEvent {
    var kind: String {
        switch self {
        case .partBegin: "partBegin"
        case .body: "body"
        case .partEnd: "partEnd"
        case .end: "end"
        }
    }
}
