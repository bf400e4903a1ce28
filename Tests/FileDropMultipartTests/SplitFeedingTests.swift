import FileDropMultipart
import Testing

/// Bodies fed split at every offset, and byte by byte, must parse exactly as when fed whole:
/// a delimiter cut anywhere (or a lookalike in the data) is the parser's hardest case.
@Suite struct SplitFeedingTests {
    static let bodies: [(name: String, body: [UInt8], data: [String])] = [
        (
            "two parts with CRLF, dashes and delimiter lookalikes in the data",
            multipartBody([
                .field("description", "line one\r\n--not a boundary\r\n"),
                .file(
                    "inputFile", filename: "a.bin",
                    Array(text: "\r\n--XyZ-b0und\r\n-\r\n--XyZ-b0undar\r\r\n\n--\r--XyZ-b0undary")
                ),
            ]),
            ["line one\r\n--not a boundary\r\n", "\r\n--XyZ-b0und\r\n-\r\n--XyZ-b0undar\r\r\n\n--\r--XyZ-b0undary"]
        ),
        (
            "empty file part between fields",
            multipartBody([.field("a", "1"), .file("inputFile", filename: "empty.txt", []), .field("b", "")]),
            ["1", "", ""]
        ),
        (
            "one-byte part, preamble and epilogue",
            multipartBody(
                [.file("inputFile", filename: "x", [0x0D])],
                preamble: "This is the preamble.\r\n--XyZ-b0undar\r\n",
                epilogue: "\r\nepilogue --XyZ-b0undary\r\n"
            ),
            ["\r"]
        ),
        (
            "transport padding after the delimiters, data ending in CR and LF",
            Array(
                text: "--XyZ-b0undary \t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\r\n\r"
                    + "\r\n--XyZ-b0undary\t\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n-\n"
                    + "\r\n--XyZ-b0undary--"
            ),
            ["\r\n\r", "-\n"]
        ),
    ]

    @Test(arguments: bodies)
    func wholeBodyParses(name: String, body: [UInt8], data: [String]) {
        let outcome = parse(body)
        #expect(outcome.error == nil, "\(name)")
        #expect(outcome.ended)
        #expect(outcome.data == data)
    }

    @Test(arguments: bodies)
    func splitAtEveryOffsetMatchesWhole(name: String, body: [UInt8], data: [String]) {
        let whole = parse(body)
        let differing = (0...body.count).filter { parse(pieces: [body[..<$0], body[$0...]]) != whole }
        #expect(differing.isEmpty, "\(name), split at \(differing)")
    }

    @Test(arguments: bodies)
    func splitTwiceMatchesWhole(name: String, body: [UInt8], data: [String]) {
        let whole = parse(body)
        var differing: [(Int, Int)] = []
        for first in stride(from: 0, through: body.count, by: 5) {
            for second in first...body.count
            where parse(pieces: [body[..<first], body[first..<second], body[second...]]) != whole {
                differing.append((first, second))
            }
        }
        #expect(differing.isEmpty, "\(name), split at \(differing)")
    }

    @Test(arguments: bodies)
    func byteByByteMatchesWhole(name: String, body: [UInt8], data: [String]) {
        #expect(parse(body, chunkSize: 1) == parse(body), "\(name)")
    }

    @Test(arguments: [2, 3, 7, 13, 64])
    func fixedChunkSizesMatchWhole(chunkSize: Int) {
        for (name, body, _) in Self.bodies {
            #expect(parse(body, chunkSize: chunkSize) == parse(body), "\(name)")
        }
    }

    @Test func truncatedBodiesFailAtEveryOffset() {
        let body = Self.bodies[0].body
        let notTruncated = (0..<body.count).filter { parse(Array(body[..<$0])).error != .truncated }
        #expect(notTruncated.isEmpty, "cut at \(notTruncated)")
    }
}
