/// Builds multipart bodies for the tests, so that each test shows only what it is about.
struct TestPart {
    var headers: String
    var data: [UInt8]

    /// A form field `name` holding `value`.
    static func field(_ name: String, _ value: String) -> TestPart {
        TestPart(headers: "Content-Disposition: form-data; name=\"\(name)\"\r\n", data: Array(value.utf8))
    }

    /// A file part of field `name`.
    static func file(
        _ name: String, filename: String, type: String = "application/octet-stream", _ data: [UInt8]
    )
        -> TestPart
    {
        TestPart(
            headers: "Content-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\n"
                + "Content-Type: \(type)\r\n",
            data: data
        )
    }
}

/// `preamble`, each part after its delimiter, the close delimiter, `epilogue`.
func multipartBody(
    _ parts: [TestPart],
    boundary: String = testBoundary,
    preamble: String = "",
    epilogue: String = ""
) -> [UInt8] {
    var body = Array(preamble.utf8)
    for (index, part) in parts.enumerated() {
        body += Array(((index == 0 && preamble.isEmpty ? "" : "\r\n") + "--\(boundary)\r\n").utf8)
        body += Array((part.headers + "\r\n").utf8) + part.data
    }
    body += Array("\r\n--\(boundary)--".utf8) + Array(epilogue.utf8)
    return body
}

extension Array where Element == UInt8 {
    /// The UTF-8 bytes of `text`, for writing bodies as string literals.
    init(text: String) { self = Array(text.utf8) }
}

/// A small deterministic generator (SplitMix64), so "random" data is the same every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// `count` bytes drawn from this generator.
    mutating func bytes(_ count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 7)
        while bytes.count < count {
            withUnsafeBytes(of: next().littleEndian) { bytes += $0 }
        }
        return Array(bytes.prefix(count))
    }
}
