/// Why ``MultipartParser`` refused a request body.
///
/// Each case maps to a client error (400 in FileDrop); the messages carry no request data
/// beyond a short reason, so they are safe to show the client and to log.
public enum MultipartError: Error, Equatable, Sendable {
    /// The body ended before the close delimiter (`--boundary--`).
    case truncated
    /// A part's header block is longer than ``MultipartLimits/maxPartHeaderBytes``.
    case partHeaderTooLarge
    /// The body has more parts than ``MultipartLimits/maxParts``.
    case tooManyParts
    /// The body breaks RFC 2046 or RFC 7578; the string is a short reason for a human.
    case malformed(String)
}
