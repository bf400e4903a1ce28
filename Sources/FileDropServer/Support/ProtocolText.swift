/// Splitting and trimming protocol text (header values, query strings, cookies, paths) on
/// ASCII delimiters, by UTF-8 byte.
///
/// Never by `Character`: a delimiter followed by a combining mark (U+0301, a zero-width
/// joiner) is one grapheme cluster with the mark, so `split(separator: ";")` over Characters
/// would not split there, although every HTTP parser, browser and proxy does. The delimiters
/// are ASCII, so each index found here is a Unicode scalar boundary and slicing there is
/// well defined.
extension StringProtocol where SubSequence == Substring {
    /// The pieces between each `delimiter`, as `split(separator:)` would give them if it
    /// compared bytes.
    func split(
        ascii delimiter: Unicode.Scalar, maxSplits: Int = .max, omittingEmptySubsequences: Bool = true
    ) -> [Substring] {
        let text = self[...]
        return text.utf8.split(
            separator: UInt8(ascii: delimiter), maxSplits: maxSplits, omittingEmptySubsequences: omittingEmptySubsequences
        ).map { text[$0.startIndex..<$0.endIndex] }
    }

    /// Whether the text starts with `prefix` (lower-case ASCII), ignoring ASCII case: a header
    /// name or an auth scheme, with no lower-cased copy made on each request.
    func hasPrefix(asciiCaseInsensitive prefix: StaticString) -> Bool {
        let text = self[...].utf8
        guard text.count >= prefix.utf8CodeUnitCount else { return false }
        return prefix.withUTF8Buffer { expected in
            zip(text, expected).allSatisfy { byte, lower in (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) == lower }
        }
    }

    /// The position of the first `delimiter` byte.
    func firstIndex(ascii delimiter: Unicode.Scalar) -> Index? {
        self[...].utf8.firstIndex(of: UInt8(ascii: delimiter))
    }

    /// The text before and after the first `delimiter`; nil when there is none.
    func splitOnce(ascii delimiter: Unicode.Scalar) -> (before: Substring, after: Substring)? {
        let text = self[...]
        guard let index = text.firstIndex(ascii: delimiter) else { return nil }
        return (text[..<index], text[text.utf8.index(after: index)...])
    }

    /// Without leading and trailing spaces and tabs, compared as scalars (HTTP's optional
    /// whitespace is bytes: a space that carries a combining mark is still a space to it).
    var trimmed: Substring {
        let text = self[...]
        let scalars = text.unicodeScalars
        let isBlank = { (scalar: Unicode.Scalar) in scalar == " " || scalar == "\t" }
        let start = scalars.firstIndex { !isBlank($0) } ?? scalars.endIndex
        let end = scalars.lastIndex { !isBlank($0) }.map { scalars.index(after: $0) } ?? start
        return text[start..<Swift.max(start, end)]
    }
}
