import NIOCore

/// What ``MultipartParser/feed(_:)`` found in the bytes fed to it, in body order.
///
/// A part is always `.partBegin`, zero or more `.body`, then `.partEnd`; the last event of a
/// well-formed body is `.end`.
public enum MultipartEvent: Sendable {
    /// A part's header block was read and parsed.
    case partBegin(MultipartPartHead)
    /// A piece of the current part's data: normally a slice of the buffer that was fed (no
    /// copy), at most one per fed buffer, plus rarely a small copy of a few bytes that had
    /// been held back because they looked like the start of a delimiter.
    case body(ByteBuffer)
    /// The current part's data is complete (its delimiter was seen).
    case partEnd
    /// The close delimiter was seen; anything after it (the epilogue) is ignored.
    case end
}
