/// Parses a request's `Content-Type` header value to decide whether the body is
/// `multipart/form-data` (RFC 7578 §4) and which boundary delimits it (RFC 2046 §5.1.1).
///
/// It only reads the header; it does not look at the body.
public enum MultipartContentType: Equatable, Sendable {
    /// Absent, or another media type: the caller answers 415.
    case notMultipart
    /// `multipart/form-data` whose `boundary` parameter is missing, repeated, or not a valid
    /// RFC 2046 boundary (1–70 of the allowed characters, not ending in a space), or whose
    /// parameters cannot be read: the caller answers 400.
    case missingBoundary
    /// `multipart/form-data` with this boundary, ready for ``MultipartParser/init(boundary:limits:)``.
    case formData(boundary: String)

    /// Parses a `Content-Type` header value; type, subtype and parameter names are
    /// case-insensitive and the boundary may be a token or a quoted-string.
    public static func parse(_ headerValue: String?) -> MultipartContentType {
        guard let headerValue else { return .notMultipart }
        let bytes = Array(headerValue.utf8)
        let typeEnd = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
        let mediaType = String(decoding: HTTPSyntax.trimmingWhitespace(bytes[..<typeEnd]), as: UTF8.self)
        guard mediaType.lowercased() == "multipart/form-data" else { return .notMultipart }
        guard let parameters = HeaderParameters(bytes),
            case .present(let value) = parameters.value(of: "boundary")
        else { return .missingBoundary }
        let boundary = String(decoding: value, as: UTF8.self)
        return HTTPSyntax.isValidBoundary(boundary) ? .formData(boundary: boundary) : .missingBoundary
    }
}
