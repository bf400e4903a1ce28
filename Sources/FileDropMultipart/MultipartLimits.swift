/// Bounds on what ``MultipartParser`` buffers and accepts for one request body.
///
/// Part *data* is never buffered, so it has no limit here: the caller counts the bytes of
/// the `.body` events it receives (the upload size limit belongs to the HTTP layer).
public struct MultipartLimits: Sendable {
    /// The most bytes one part's header block may take, counting every header line with its
    /// CRLF but not the empty line that ends the block. The parser never buffers more than
    /// this (plus that final CRLF); a longer block fails with ``MultipartError/partHeaderTooLarge``.
    public var maxPartHeaderBytes: Int

    /// The most parts one body may have; the delimiter that opens one more part fails with
    /// ``MultipartError/tooManyParts``.
    public var maxParts: Int

    /// Creates limits; the defaults suit a form with a few fields and one file.
    public init(maxPartHeaderBytes: Int = 16 * 1024, maxParts: Int = 32) {
        self.maxPartHeaderBytes = maxPartHeaderBytes
        self.maxParts = maxParts
    }
}
