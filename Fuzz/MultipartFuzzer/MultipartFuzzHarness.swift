import FileDropMultipart

/// One fuzzer input: byte 0 picks how the body is cut into buffers, byte 1 seeds the
/// piece sizes, the rest is the body. The body is parsed whole and cut; both runs must agree
/// with each other and with ``ReferenceSplitter``, and the cut run must never hold back more
/// than a delimiter's worth of part data.
enum MultipartFuzzHarness {
    static let boundary = "-b-"
    /// Small limits, so that short inputs reach them.
    static let limits = MultipartLimits(maxPartHeaderBytes: 200, maxParts: 8)
    /// Malformations only the header parser finds; the reference does not read headers.
    static let structuralReasons: Set = ["invalid boundary line", "body has no parts"]

    static func run(_ input: [UInt8]) {
        guard input.count >= 2 else { return }
        let body = Array(input[2...])
        let reference = ReferenceSplitter(boundary: boundary, limits: limits).split(body)
        let whole = FuzzRun(pieces: [body[...]], boundary: boundary, limits: limits)
        let pieces = cut(body, mode: input[0], seed: input[1])
        let split = FuzzRun(pieces: pieces, boundary: boundary, limits: limits) { run, fed in
            checkNothingHeldBack(run, fed: fed, reference: reference)
        }

        check(split.error == whole.error, "whole \(String(describing: whole.error)), split \(String(describing: split.error))")
        if whole.error == nil || whole.error == .truncated {
            check(split.parts == whole.parts && split.ended == whole.ended, "split events differ from whole")
        }
        switch (reference, whole.error) {
        case (.parts(let ranges), nil):
            check(whole.parts.map(\.data) == ranges.map { Array(body[$0]) }, "data differs from the reference")
        case (.parts, .malformed(let reason)?):
            check(!structuralReasons.contains(reason), "reference found no \(reason)")
        case (.parts, let error?):
            check(false, "reference found no \(error)")
        case (.failed(let expected), let error):
            check(error != nil, "reference found \(expected), parser none")
            if case .malformed(let reason)? = error, !structuralReasons.contains(reason) { break }
            check(error == expected, "reference found \(expected), parser \(String(describing: error))")
        }
    }

    /// Once `fed` bytes went in, every part's data must be out but for at most a delimiter
    /// less one byte (a possible delimiter start), and all of it once its delimiter was fed.
    private static func checkNothingHeldBack(_ run: FuzzRun, fed: Int, reference: ReferenceSplitter.Outcome) {
        guard case .parts(let ranges) = reference, run.error == nil else { return }
        let delimiterLength = "\r\n--\(boundary)".utf8.count
        for (index, range) in ranges.enumerated() where range.lowerBound <= fed {
            let emitted = index < run.parts.count ? run.parts[index].data.count : 0
            let available = min(fed, range.upperBound) - range.lowerBound
            if fed >= range.upperBound + delimiterLength {
                check(emitted == range.count, "part \(index) incomplete after its delimiter")
            } else {
                check(emitted >= available - (delimiterLength - 1), "part \(index) data held back")
            }
        }
    }

    /// Cuts `body` into pieces: byte by byte, small, up to 64 (empty ones too), or up to 512 bytes.
    static func cut(_ body: [UInt8], mode: UInt8, seed: UInt8) -> [ArraySlice<UInt8>] {
        var state = UInt32(seed) &* 2_654_435_761 | 1
        let maxSize = [1, 8, 64, 512][Int(mode % 4)]
        let minSize = mode % 4 == 2 ? 0 : 1
        var pieces: [ArraySlice<UInt8>] = []
        var start = 0
        while start < body.count {
            state = state &* 1_103_515_245 &+ 12_345
            let size = minSize + Int((state >> 16) % UInt32(maxSize - minSize + 1))
            let end = min(start + size, body.count)
            pieces.append(body[start..<end])
            start = end
        }
        return pieces
    }
}
