/// The header block of one part of a `multipart/form-data` body (RFC 7578), parsed.
///
/// It holds what FileDrop needs from `Content-Disposition` and `Content-Type`; other header
/// fields are kept in ``headers`` as sent and not interpreted.
public struct MultipartPartHead: Sendable, Equatable {
    /// Every header field of the part, in order: the name as sent, the value as sent with
    /// surrounding spaces and tabs removed, decoded as UTF-8.
    public var headers: [(name: String, value: String)]

    /// The `name` parameter of `Content-Disposition: form-data`; nil when the part has none
    /// (RFC 7578 requires one, but a nameless part is simply not a field FileDrop uses).
    public var name: String?

    /// The file name the client sent, decoded but not cleaned (see ``UploadFilename``):
    /// `filename*` (RFC 8187, UTF-8 or ISO-8859-1) is preferred over `filename`; nil when
    /// neither is present, "" when present but empty (a browser's empty file choice).
    public var filename: String?

    /// The part's `Content-Type` header value as sent; nil when absent.
    public var contentType: String?

    /// Creates a part head; the parser fills it from the header block.
    public init(
        headers: [(name: String, value: String)],
        name: String? = nil,
        filename: String? = nil,
        contentType: String? = nil
    ) {
        self.headers = headers
        self.name = name
        self.filename = filename
        self.contentType = contentType
    }

    public static func == (lhs: MultipartPartHead, rhs: MultipartPartHead) -> Bool {
        lhs.name == rhs.name && lhs.filename == rhs.filename && lhs.contentType == rhs.contentType
            && lhs.headers.count == rhs.headers.count
            && zip(lhs.headers, rhs.headers).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}
