import FileDropMultipart
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Measures how fast ``MultipartParser`` parses a one-part body fed in 64 KiB buffers, as
/// the HTTP layer feeds it (the buffers are made before timing starts): once with random
/// bytes, once with text lines that each start like a delimiter (`CRLF --`).
enum ParseBenchmark {
    static let boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
    static let bufferSize = 64 * 1024

    static func run(mebibytes: Int) {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<bufferSize).map { _ in UInt8.random(in: 0...255, using: &generator) }
        measure("random bytes", block: random, mebibytes: mebibytes)
        let line = Array("\r\n----WebKitFormBoundary a line of text..".utf8)
        measure(
            "CRLF-- every 42 bytes", block: Array(repeatElement(line, count: bufferSize / line.count + 1).joined().prefix(bufferSize)),
            mebibytes: mebibytes)
    }

    private static func measure(_ label: String, block: [UInt8], mebibytes: Int) {
        var buffers = [
            ByteBuffer(
                string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"inputFile\"; "
                    + "filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n")
        ]
        for _ in 0..<(mebibytes * 1024 * 1024 / bufferSize) {
            buffers.append(ByteBuffer(bytes: block))
        }
        buffers.append(ByteBuffer(string: "\r\n--\(boundary)--\r\n"))

        var best = Double.infinity
        var events = 0
        for _ in 0..<5 {
            let start = now()
            var parser = MultipartParser(boundary: boundary)
            var dataBytes = 0
            events = 0
            for buffer in buffers {
                for case .body(let data) in try! parser.feed(buffer) {
                    events += 1
                    dataBytes += data.readableBytes
                }
            }
            try! parser.finish()
            precondition(dataBytes == mebibytes * 1024 * 1024)
            best = min(best, now() - start)
        }
        let megabytes = Double(mebibytes * 1024 * 1024) / 1_000_000
        print(
            "\(label): \(mebibytes) MiB in \(buffers.count) buffers, best of 5 \(Int(best * 1000)) ms = "
                + "\(Int(megabytes / best)) MB/s, \(events) body events")
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
