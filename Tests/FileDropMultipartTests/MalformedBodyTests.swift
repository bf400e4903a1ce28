import FileDropMultipart
import Testing

/// Bodies that break RFC 2046 or RFC 7578 are refused, whole or fed byte by byte.
@Suite struct MalformedBodyTests {
    static let disposition = "Content-Disposition: form-data; name=\"a\"\r\n"

    static let cases: [(body: String, reason: String)] = [
        ("--B\r\n\r\nx\r\n--B--", "part without Content-Disposition"),
        ("--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--", "part without Content-Disposition"),
        ("--B\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--B--", "part is not form-data"),
        ("--B\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--B--", "invalid Content-Disposition"),
        ("--B\r\nContent-Disposition: form-data; name=\"a\";\r\n\r\nx\r\n--B--", "invalid Content-Disposition"),
        ("--B\r\nContent-Disposition: form-data name=a\r\n\r\nx\r\n--B--", "invalid Content-Disposition"),
        ("--B\r\n" + disposition + disposition + "\r\nx\r\n--B--", "repeated Content-Disposition"),
        ("--B\r\nContent-Disposition: form-data; name=a; NAME=b\r\n\r\nx\r\n--B--", "repeated name parameter"),
        ("--B\r\n" + disposition + "Content-Type: a\r\ncontent-type: b\r\n\r\nx\r\n--B--", "repeated part Content-Type"),
        ("--B\r\n" + disposition + " folded\r\n\r\nx\r\n--B--", "folded part header line"),
        ("--B\r\n" + disposition + "\tfolded\r\n\r\nx\r\n--B--", "folded part header line"),
        ("--B\r\n" + disposition + "no colon\r\n\r\nx\r\n--B--", "part header line without ':'"),
        ("--B\r\n" + disposition + ": empty name\r\n\r\nx\r\n--B--", "invalid part header name"),
        ("--B\r\n" + disposition + "Bad Name: x\r\n\r\nx\r\n--B--", "invalid part header name"),
        ("--B\r\n" + disposition + "X: a\nb\r\n\r\nx\r\n--B--", "bare LF in part header"),
        ("--B\r\n" + disposition + "X: a\rb\r\n\r\nx\r\n--B--", "bare CR in part header"),
        ("--B\r\n" + disposition + "\r\nx\r\n--Bx\r\n--B--", "invalid boundary line"),
        ("--B\r\n" + disposition + "\r\nx\r\n--B-x", "invalid boundary line"),
        ("--B \r\r\n" + disposition + "\r\nx\r\n--B--", "invalid boundary line"),
        ("--B\n" + disposition + "\r\nx\r\n--B--", "invalid boundary line"),
        ("preamble\r\n--Bad\r\n", "invalid boundary line"),
        ("--B--", "body has no parts"),
        ("--B\r\nContent-Disposition: form-data; filename*=UTF-8''%E2%82\r\n\r\nx\r\n--B--", "invalid filename* parameter"),
        ("--B\r\nContent-Disposition: form-data; filename*=UTF-8''%4\r\n\r\nx\r\n--B--", "invalid filename* parameter"),
        ("--B\r\nContent-Disposition: form-data; filename*=UTF-8''a*b\r\n\r\nx\r\n--B--", "invalid filename* parameter"),
        ("--B\r\nContent-Disposition: form-data; filename*=UTF-8'x\r\n\r\nx\r\n--B--", "invalid filename* parameter"),
        ("--B\r\nContent-Disposition: form-data; filename*=''x\r\n\r\nx\r\n--B--", "invalid filename* parameter"),
    ]

    @Test(arguments: cases)
    func isMalformed(body: String, reason: String) {
        let expected = MultipartError.malformed(reason)
        #expect(parse(Array(text: body), boundary: "B").error == expected)
        #expect(parse(Array(text: body), chunkSize: 1, boundary: "B").error == expected)
    }

    @Test func headerThatIsNotUTF8IsMalformed() {
        let body =
            Array(text: "--B\r\nContent-Disposition: form-data; filename=\"") + [0xE9]
            + Array(text: "\"\r\n\r\nx\r\n--B--")
        #expect(parse(body, boundary: "B").error == .malformed("part header is not valid UTF-8"))
    }

    @Test(arguments: ["", String(repeating: "b", count: 71), "a b ", "a\u{1}b", "é", "a;b"])
    func invalidBoundaryMakesEveryCallThrow(boundary: String) {
        #expect(parse(Array(text: "--\(boundary)\r\n"), boundary: boundary).error == .malformed("invalid boundary"))
    }

    @Test func longestBoundaryIsAccepted() {
        let boundary = String(repeating: "b", count: 70)
        let body = multipartBody([.field("a", "1")], boundary: boundary)
        #expect(parse(body, boundary: boundary).data == ["1"])
    }
}
