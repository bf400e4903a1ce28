#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the delimiter `CRLF "--" boundary` (RFC 2046 §5.1.1) in raw bytes.
///
/// A boundary cannot contain CR, so a CR only ever starts a delimiter: the search lets
/// `memchr` find each CR and compares the delimiter there. That is linear in the input (a
/// failed comparison stops before the next CR) and runs at memory speed on file data.
/// It only finds; it does not decide what the bytes around a delimiter mean.
struct DelimiterMatcher: Sendable {
    /// `\r\n--` followed by the boundary.
    let delimiter: [UInt8]

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    enum SearchResult: Equatable {
        /// A whole delimiter starts at this offset.
        case found(at: Int)
        /// The bytes from this offset to the end are the start of a delimiter.
        case partial(at: Int)
        /// No delimiter starts in these bytes.
        case notFound
    }

    /// Where the first delimiter, or a delimiter cut off by the end of `bytes`, starts.
    func search(_ bytes: UnsafeRawBufferPointer) -> SearchResult {
        guard let base = bytes.baseAddress else { return .notFound }
        return delimiter.withUnsafeBytes { delimiter in
            var offset = 0
            while offset < bytes.count {
                guard let carriageReturn = memchr(base + offset, 0x0D, bytes.count - offset) else {
                    return .notFound
                }
                let start = base.distance(to: UnsafeRawPointer(carriageReturn))
                let length = min(delimiter.count, bytes.count - start)
                if memcmp(base + start, delimiter.baseAddress!, length) == 0 {
                    return length == delimiter.count ? .found(at: start) : .partial(at: start)
                }
                offset = start + 1
            }
            return .notFound
        }
    }

    enum ContinuationResult: Equatable {
        /// The delimiter is complete after this many bytes of the new input.
        case complete(consumed: Int)
        /// All of the new input continues the delimiter, which is still not complete.
        case incomplete
        /// The new input does not continue the delimiter.
        case mismatch
    }

    /// Whether `bytes` continue a delimiter of which the first `matched` bytes were seen.
    func continueMatch(matched: Int, in bytes: UnsafeRawBufferPointer) -> ContinuationResult {
        let needed = delimiter.count - matched
        let length = min(needed, bytes.count)
        let equal = delimiter.withUnsafeBytes { delimiter in
            length == 0 || memcmp(bytes.baseAddress!, delimiter.baseAddress! + matched, length) == 0
        }
        guard equal else { return .mismatch }
        return length == needed ? .complete(consumed: length) : .incomplete
    }
}
