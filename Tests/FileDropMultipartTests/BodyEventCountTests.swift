import FileDropMultipart
import NIOCore
import Testing

/// Data comes out in about one `.body` event per fed buffer, whatever the data holds.
@Suite struct BodyEventCountTests {
    static let bufferSize = 64 * 1024

    /// Feeds a one-part body holding `data` in 64 KiB buffers; returns the data events and
    /// the number of buffers.
    static func feed(_ data: [UInt8]) throws -> (events: Int, buffers: Int, dataBytes: Int) {
        let body = multipartBody([.file("inputFile", filename: "big.bin", data)])
        var parser = MultipartParser(boundary: testBoundary)
        var events = 0
        var dataBytes = 0
        var buffers = 0
        for start in stride(from: 0, to: body.count, by: bufferSize) {
            buffers += 1
            for case .body(let slice) in try parser.feed(ByteBuffer(bytes: body[start..<min(start + bufferSize, body.count)])) {
                events += 1
                dataBytes += slice.readableBytes
            }
        }
        try parser.finish()
        return (events, buffers, dataBytes)
    }

    @Test func randomBinaryData() throws {
        var generator = SeededGenerator(state: 42)
        let data = generator.bytes(16 * 1024 * 1024)
        let result = try Self.feed(data)
        #expect(result.dataBytes == data.count)
        #expect(result.events <= result.buffers + 2, "\(result.events) events for \(result.buffers) buffers")
    }

    @Test func textWithAShortLineAfterEveryCRLF() throws {
        let line = Array(text: "a line of text\r\n--XyZ\r\n-\r\n")
        let data = Array((0..<(4 * 1024 * 1024 / line.count)).map { _ in line }.joined())
        let result = try Self.feed(data)
        #expect(result.dataBytes == data.count)
        #expect(result.events <= result.buffers * 2, "\(result.events) events for \(result.buffers) buffers")
    }
}
