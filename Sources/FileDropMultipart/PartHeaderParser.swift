/// Turns one part's header block into a ``MultipartPartHead`` (RFC 2046 §5.1, RFC 7578 §4).
///
/// The block is the header lines, each ending in CRLF, without the empty line that ends it.
/// Strict: a folded line (obsolete in RFC 9112), a line without `:`, a field name that is
/// not a token, invalid UTF-8, a missing or repeated
/// `Content-Disposition`, or a disposition other than `form-data` are all malformed.
enum PartHeaderParser {
    static func parse(_ block: [UInt8]) throws(MultipartError) -> MultipartPartHead {
        var headers: [(name: String, value: String)] = []
        var disposition: [UInt8]?
        var contentType: String?
        for line in try lines(of: block) {
            let (name, value) = try field(line)
            switch name.lowercased() {
            case "content-disposition":
                guard disposition == nil else { throw .malformed("repeated Content-Disposition") }
                disposition = Array(value.utf8)
            case "content-type":
                guard contentType == nil else { throw .malformed("repeated part Content-Type") }
                contentType = value
            default:
                break
            }
            headers.append((name, value))
        }
        guard let disposition else { throw .malformed("part without Content-Disposition") }
        var head = MultipartPartHead(headers: headers, contentType: contentType)
        try readDisposition(disposition, into: &head)
        return head
    }

    /// Splits the block at CRLF; a bare CR or LF is malformed.
    private static func lines(of block: [UInt8]) throws(MultipartError) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index < block.count {
            switch block[index] {
            case UInt8(ascii: "\r"):
                guard index + 1 < block.count, block[index + 1] == UInt8(ascii: "\n") else {
                    throw .malformed("bare CR in part header")
                }
                lines.append(block[start..<index])
                index += 2
                start = index
            case UInt8(ascii: "\n"):
                throw .malformed("bare LF in part header")
            default:
                index += 1
            }
        }
        guard start == block.count else { throw .malformed("unterminated part header line") }
        return lines
    }

    /// `name ":" OWS value OWS`, the value decoded as UTF-8.
    private static func field(_ line: ArraySlice<UInt8>) throws(MultipartError) -> (String, String) {
        if let first = line.first, HTTPSyntax.isWhitespace(first) {
            throw .malformed("folded part header line")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            throw .malformed("part header line without ':'")
        }
        let name = line[..<colon]
        guard !name.isEmpty, name.allSatisfy(HTTPSyntax.isTokenByte) else {
            throw .malformed("invalid part header name")
        }
        let value = HTTPSyntax.trimmingWhitespace(line[(colon + 1)...])
        // Other control characters are let through: browsers send them raw inside a quoted
        // filename (HTML escapes only CR, LF and '"'), and SPEC wants them removed from the
        // name, not the upload refused. `UploadFilename.clean` removes them.
        guard let text = String(validating: value, as: UTF8.self) else {
            throw .malformed("part header is not valid UTF-8")
        }
        return (String(decoding: name, as: UTF8.self), text)
    }

    /// Reads `form-data; name="..."; filename="..."; filename*=...` into `head`.
    private static func readDisposition(
        _ value: [UInt8],
        into head: inout MultipartPartHead
    ) throws(MultipartError) {
        guard let disposition = HeaderParameters(value) else {
            throw .malformed("invalid Content-Disposition")
        }
        guard disposition.type == "form-data" else { throw .malformed("part is not form-data") }
        head.name = try text(of: "name", in: disposition)
        let plain = try text(of: "filename", in: disposition)
        switch disposition.value(of: "filename*") {
        case .absent:
            head.filename = plain
        case .duplicate:
            throw .malformed("repeated filename* parameter")
        case .present(let bytes):
            switch ExtendedValue.decode(bytes) {
            case .text(let decoded): head.filename = decoded
            case .unsupportedCharset: head.filename = plain
            case .invalid: throw .malformed("invalid filename* parameter")
            }
        }
    }

    /// A parameter's value as UTF-8 text (the header was already validated as UTF-8 and
    /// unquoting only removes ASCII bytes, so decoding cannot fail).
    private static func text(of name: String, in parameters: HeaderParameters) throws(MultipartError) -> String? {
        switch parameters.value(of: name) {
        case .absent: return nil
        case .duplicate: throw .malformed("repeated \(name) parameter")
        case .present(let bytes): return String(decoding: bytes, as: UTF8.self)
        }
    }
}
