/// The `Range` header (RFC 9110 §14.1.2), for one range: `bytes=FIRST-LAST`, `bytes=FIRST-`,
/// `bytes=-SUFFIX`. Several ranges, or a header this does not understand, are ignored and the
/// whole file is sent (which the RFC allows); a syntactically valid range that lies wholly
/// outside the file is unsatisfiable (416).
enum ByteRange {
    enum Selection: Equatable {
        case whole
        case partial(start: Int64, length: Int64)
        case unsatisfiable
    }

    static func select(_ header: String, size: Int64) -> Selection {
        let trimmed = header.trimmed
        guard trimmed.lowercased().hasPrefix("bytes="), trimmed.firstIndex(ascii: ",") == nil else { return .whole }
        let spec = trimmed.dropFirst("bytes=".count).trimmed
        guard let (before, after) = spec.splitOnce(ascii: "-") else { return .whole }
        let firstText = before.trimmed
        let lastText = after.trimmed
        func number(_ text: Substring) -> Int64? {
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
            return Int64(text) ?? Int64.max  // digits beyond Int64: as good as infinite
        }
        if firstText.isEmpty {
            guard let suffix = number(lastText) else { return .whole }
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            let length = min(suffix, size)
            return .partial(start: size - length, length: length)
        }
        guard let first = number(firstText) else { return .whole }
        var last = size - 1
        if !lastText.isEmpty {
            guard let value = number(lastText) else { return .whole }
            guard value >= first else { return .whole }  // invalid range: ignore it
            last = min(value, size - 1)
        }
        guard first < size else { return .unsatisfiable }
        return .partial(start: first, length: last - first + 1)
    }
}
