import FileDropMultipart
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Measures how fast ``MultipartParser`` parses a one-part body of random bytes fed in
/// 64 KiB buffers, as the HTTP layer feeds it (the buffers are made before timing starts).
enum ParseBenchmark {
    static func run(mebibytes: Int) {
        let boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
        let bufferSize = 64 * 1024
        var generator = SystemRandomNumberGenerator()
        var buffers = [ByteBuffer(string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"inputFile\"; "
            + "filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n")]
        let block = (0..<bufferSize).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for _ in 0..<(mebibytes * 1024 * 1024 / bufferSize) {
            buffers.append(ByteBuffer(bytes: block))
        }
        buffers.append(ByteBuffer(string: "\r\n--\(boundary)--\r\n"))

        var best = Double.infinity
        var events = 0
        for _ in 0..<5 {
            let start = now()
            var parser = MultipartParser(boundary: boundary)
            events = 0
            var dataBytes = 0
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
        print("\(mebibytes) MiB in \(buffers.count) buffers: best of 5 \(best * 1000) ms, "
            + "\(Int(megabytes / best)) MB/s, \(events) body events")
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
