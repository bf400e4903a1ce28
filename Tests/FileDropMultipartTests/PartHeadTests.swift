import FileDropMultipart
import Testing

/// What a part's header block turns into: name, filename (with RFC 8187), content type.
@Suite struct PartHeadTests {
    /// The head of the only part of a body with this `Content-Disposition` value.
    static func head(disposition: String, extraHeaders: String = "") -> MultipartPartHead? {
        let headers = "Content-Disposition: \(disposition)\r\n\(extraHeaders)"
        let outcome = parse(multipartBody([TestPart(headers: headers, data: [])]))
        #expect(outcome.error == nil, "\(disposition)")
        return outcome.parts.first?.head
    }

    static let filenames: [(disposition: String, filename: String?)] = [
        ("form-data; name=\"a\"", nil),
        ("form-data; name=\"a\"; filename=\"\"", ""),
        ("form-data; name=\"a\"; filename=\"report.pdf\"", "report.pdf"),
        ("form-data; name=a; filename=report.pdf", "report.pdf"),
        ("form-data; name=\"a\"; filename=\"caf\u{E9} \u{20AC}.txt\"", "caf\u{E9} \u{20AC}.txt"),
        ("form-data; name=\"a\"; filename=\"say \\\"hi\\\".txt\"", "say \"hi\".txt"),
        ("form-data; name=\"a\"; filename=\"back\\\\slash\"", "back\\slash"),
        ("form-data; name=\"a\"; filename=\"C:\\Users\\me\\x.txt\"", "C:\\Users\\me\\x.txt"),
        ("form-data; name=\"a\"; filename=\"semi;colon=x.txt\"", "semi;colon=x.txt"),
        ("form-data; name=\"a\"; filename*=UTF-8''%E2%82%AC%20rates.txt", "\u{20AC} rates.txt"),
        ("form-data; name=\"a\"; filename*=utf-8'en'%e2%82%ac", "\u{20AC}"),
        ("form-data; name=\"a\"; filename*=ISO-8859-1''caf%E9.txt", "caf\u{E9}.txt"),
        ("form-data; name=\"a\"; filename*=iso-8859-1''%A3%FF", "\u{A3}\u{FF}"),
        ("form-data; name=\"a\"; filename=\"plain.txt\"; filename*=UTF-8''fancy%E2%82%AC.txt", "fancy\u{20AC}.txt"),
        ("form-data; name=\"a\"; filename*=UTF-8''fancy.txt; filename=\"plain.txt\"", "fancy.txt"),
        ("form-data; name=\"a\"; filename=\"plain.txt\"; filename*=KOI8-R''%C1", "plain.txt"),
        ("form-data; name=\"a\"; filename*=KOI8-R''%C1", nil),
        ("form-data; name=\"a\"; filename*=UTF-8''", ""),
        ("Form-Data; NAME=\"a\"; FileName=\"upper.txt\"", "upper.txt"),
        ("form-data;name=\"a\";filename=\"tight.txt\"", "tight.txt"),
        ("form-data ;  name = \"a\" ; filename = \"loose.txt\"  ", "loose.txt"),
    ]

    @Test(arguments: filenames)
    func filename(disposition: String, filename: String?) {
        let head = Self.head(disposition: disposition)
        #expect(head?.filename == filename)
        #expect(head?.name == "a")
    }

    @Test func nameIsOptionalAndOtherParametersAreIgnored() {
        #expect(Self.head(disposition: "form-data")?.name == nil)
        #expect(Self.head(disposition: "form-data; size=12; name=\"n\"; creation-date=x")?.name == "n")
        #expect(Self.head(disposition: "form-data; name=\"\u{E9}t\u{E9}\"")?.name == "\u{E9}t\u{E9}")
    }

    @Test func headersAndContentTypeAreKeptAsSent() {
        let head = Self.head(
            disposition: "form-data; name=\"f\"; filename=\"x.csv\"",
            extraHeaders: "content-TYPE:   text/csv; charset=utf-8 \t\r\nX-Note:\r\n"
        )
        #expect(head?.contentType == "text/csv; charset=utf-8")
        #expect(head?.headers.map(\.name) == ["Content-Disposition", "content-TYPE", "X-Note"])
        #expect(head?.headers.map(\.value) == ["form-data; name=\"f\"; filename=\"x.csv\"", "text/csv; charset=utf-8", ""])
    }

    @Test func contentTypeIsNilWhenAbsent() {
        #expect(Self.head(disposition: "form-data; name=\"a\"")?.contentType == nil)
    }

    @Test func headsCompareByAllFields() {
        let head = MultipartPartHead(headers: [("A", "1")], name: "n", filename: "f", contentType: "t")
        #expect(head == MultipartPartHead(headers: [("A", "1")], name: "n", filename: "f", contentType: "t"))
        #expect(head != MultipartPartHead(headers: [("A", "2")], name: "n", filename: "f", contentType: "t"))
        #expect(head != MultipartPartHead(headers: [("a", "1")], name: "n", filename: "f", contentType: "t"))
        #expect(head != MultipartPartHead(headers: [], name: "n", filename: "f", contentType: "t"))
        #expect(head != MultipartPartHead(headers: [("A", "1")], name: "n", filename: nil, contentType: "t"))
    }
}
