import FileDropMultipart
import Testing

@Suite struct MultipartContentTypeTests {
    static let cases: [(header: String?, expected: MultipartContentType)] = [
        (nil, .notMultipart),
        ("", .notMultipart),
        ("application/x-www-form-urlencoded", .notMultipart),
        ("multipart/mixed; boundary=abc", .notMultipart),
        ("text/plain; note=\"multipart/form-data\"", .notMultipart),
        ("multipart/form-data", .missingBoundary),
        ("multipart/form-data;", .missingBoundary),
        ("multipart/form-data; charset=utf-8", .missingBoundary),
        ("multipart/form-data; boundary=", .missingBoundary),
        ("multipart/form-data; boundary=\"\"", .missingBoundary),
        ("multipart/form-data; boundary=\"\(String(repeating: "x", count: 71))\"", .missingBoundary),
        ("multipart/form-data; boundary=\"ends with space \"", .missingBoundary),
        ("multipart/form-data; boundary=\"has\\\"quote\"", .missingBoundary),
        ("multipart/form-data; boundary=a; boundary=b", .missingBoundary),
        ("multipart/form-data; boundary=\"unterminated", .missingBoundary),
        ("multipart/form-data; boundary=abc", .formData(boundary: "abc")),
        ("Multipart/Form-Data; BOUNDARY=abc", .formData(boundary: "abc")),
        (" multipart/form-data ;boundary=abc ", .formData(boundary: "abc")),
        ("multipart/form-data; charset=utf-8; boundary=\"a b:c\"", .formData(boundary: "a b:c")),
        (
            "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
            .formData(boundary: "----WebKitFormBoundary7MA4YWxkTrZu0gW")
        ),
        ("multipart/form-data; boundary=\"\(String(repeating: "x", count: 70))\"", .formData(boundary: String(repeating: "x", count: 70))),
    ]

    @Test(arguments: cases)
    func parses(header: String?, expected: MultipartContentType) {
        #expect(MultipartContentType.parse(header) == expected)
    }
}
