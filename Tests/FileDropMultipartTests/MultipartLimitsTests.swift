import FileDropMultipart
import NIOCore
import Testing

/// The parser bounds what it buffers (part headers) and how many parts it accepts.
@Suite struct MultipartLimitsTests {
    /// A part whose header block (lines with their CRLFs) is exactly `size` bytes.
    static func bodyWithHeaderBlock(of size: Int) -> [UInt8] {
        let disposition = "Content-Disposition: form-data; name=\"a\"\r\n"
        let padding = size - disposition.utf8.count - "X: \r\n".utf8.count
        let headers = disposition + "X: " + String(repeating: "p", count: padding) + "\r\n"
        return multipartBody([TestPart(headers: headers, data: Array(text: "data"))])
    }

    @Test(arguments: [1, 2, 1024])
    func headerBlockAtTheLimitIsAccepted(chunkSize: Int) {
        let limits = MultipartLimits(maxPartHeaderBytes: 200)
        let body = Self.bodyWithHeaderBlock(of: 200)
        #expect(parse(pieces: [body[...]], limits: limits).data == ["data"])
        let pieces = stride(from: 0, to: body.count, by: chunkSize).map { body[$0..<min($0 + chunkSize, body.count)] }
        #expect(parse(pieces: pieces, limits: limits).data == ["data"])
    }

    @Test func headerBlockOneByteOverTheLimitIsRefused() {
        let limits = MultipartLimits(maxPartHeaderBytes: 200)
        #expect(parse(Self.bodyWithHeaderBlock(of: 201), limits: limits).error == .partHeaderTooLarge)
    }

    @Test func endlessHeaderIsRefusedBeforeMoreThanTheLimitArrives() throws {
        var parser = MultipartParser(boundary: "B", limits: MultipartLimits(maxPartHeaderBytes: 100))
        _ = try parser.feed(ByteBuffer(string: "--B\r\nX: "))
        var fed = 3  // "X: " belongs to the header block
        let error = #expect(throws: MultipartError.self) {
            while fed < 10_000 {
                _ = try parser.feed(ByteBuffer(string: "y"))
                fed += 1
            }
        }
        #expect(error == .partHeaderTooLarge)
        #expect(fed == 102, "the byte after limit + 2 (room for the final CRLF) is refused")
    }

    @Test func headerLimitAppliesToEachPartSeparately() {
        let limits = MultipartLimits(maxPartHeaderBytes: 60)
        let body = multipartBody((0..<5).map { _ in .field("abcdefghij", "x") })
        #expect(parse(body, limits: limits).parts.count == 5)
    }

    @Test(arguments: [1, 3, 32])
    func exactlyMaxPartsIsAccepted(maxParts: Int) {
        let body = multipartBody((0..<maxParts).map { .field("f\($0)", "\($0)") })
        let outcome = parse(body, limits: MultipartLimits(maxParts: maxParts))
        #expect(outcome.error == nil)
        #expect(outcome.parts.count == maxParts)
    }

    @Test(arguments: [0, 1, 3, 32])
    func onePartMoreIsRefused(maxParts: Int) {
        let body = multipartBody((0...maxParts).map { .field("f\($0)", "\($0)") })
        #expect(parse(body, limits: MultipartLimits(maxParts: maxParts)).error == .tooManyParts)
    }

    @Test func defaultsMatchTheDocumentation() {
        let limits = MultipartLimits()
        #expect(limits.maxPartHeaderBytes == 16 * 1024)
        #expect(limits.maxParts == 32)
    }
}
