import FileDropMultipart

/// A slow, plainly written reading of a whole body's multipart structure (RFC 2046 §5.1),
/// the fuzzer's oracle for ``MultipartParser``: where each part's data lies, or which
/// structural error comes first. It does not read header fields (that is shared code, not a
/// second opinion), so a header the parser finds malformed is not its business.
struct ReferenceSplitter {
    enum Outcome: Equatable {
        /// The close delimiter was found; each range is a part's data, in body offsets.
        case parts([Range<Int>])
        case failed(MultipartError)
    }

    let delimiter: [UInt8]
    let limits: MultipartLimits

    init(boundary: String, limits: MultipartLimits) {
        self.delimiter = Array("\r\n--\(boundary)".utf8)
        self.limits = limits
    }

    func split(_ body: [UInt8]) -> Outcome {
        // A CRLF in front lets the first delimiter be found like the others.
        let input: [UInt8] = [0x0D, 0x0A] + body
        let toBody = { (offset: Int) in offset - 2 }
        guard var position = find(delimiter, in: input, from: 0).map({ $0 + delimiter.count }) else {
            return .failed(.truncated)
        }
        var parts: [Range<Int>] = []
        while true {
            guard position < input.count else { return .failed(.truncated) }
            if input[position] == UInt8(ascii: "-") {
                guard position + 1 < input.count else { return .failed(.truncated) }
                guard input[position + 1] == UInt8(ascii: "-") else { return .failed(.malformed("invalid boundary line")) }
                return parts.isEmpty ? .failed(.malformed("body has no parts")) : .parts(parts)
            }
            while position < input.count, input[position] == 0x20 || input[position] == 0x09 { position += 1 }
            guard position + 1 < input.count else {
                return position < input.count && input[position] != 0x0D
                    ? .failed(.malformed("invalid boundary line")) : .failed(.truncated)
            }
            guard input[position] == 0x0D, input[position + 1] == 0x0A else {
                return .failed(.malformed("invalid boundary line"))
            }
            position += 2
            guard parts.count < limits.maxParts else { return .failed(.tooManyParts) }
            // The CRLF that ended the boundary line may be the first half of CRLFCRLF.
            guard let headerEnd = find([0x0D, 0x0A, 0x0D, 0x0A], in: input, from: position - 2) else {
                let tooLarge = input.count - position > limits.maxPartHeaderBytes + 2
                return .failed(tooLarge ? .partHeaderTooLarge : .truncated)
            }
            guard headerEnd + 2 - position <= limits.maxPartHeaderBytes else { return .failed(.partHeaderTooLarge) }
            let dataStart = headerEnd + 4
            guard let dataEnd = find(delimiter, in: input, from: dataStart) else { return .failed(.truncated) }
            parts.append(toBody(dataStart)..<toBody(dataEnd))
            position = dataEnd + delimiter.count
        }
    }

    /// The first index at or after `start` where `pattern` occurs in `bytes`.
    private func find(_ pattern: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= pattern.count, start <= bytes.count - pattern.count else { return nil }
        return (start...(bytes.count - pattern.count)).first { bytes[$0..<($0 + pattern.count)].elementsEqual(pattern) }
    }
}
