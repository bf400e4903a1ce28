import NIOCore

/// A streaming parser for `multipart/form-data` request bodies (RFC 7578) in the
/// multipart syntax of RFC 2046 §5.1.
///
/// Feed it the body's buffers as they arrive, of any size, split anywhere; it answers with
/// events. It never buffers part data: `.body` events are slices of the fed buffers (about
/// one per buffer). When a buffer ends with what may be the start of a delimiter, it holds
/// those bytes back (at most the delimiter's length less one, kept as a count, since they
/// can only be the delimiter's own first bytes) until the next feed tells. It buffers one
/// part's header block, bounded by ``MultipartLimits/maxPartHeaderBytes``.
///
/// Strict where RFC 2046 is: the boundary is 1–70 characters; a delimiter is
/// `CRLF "--" boundary` (the first may start the body, after an ignored preamble); it is
/// followed by spaces or tabs and CRLF, or by `--` to close the body; a part's headers end at
/// CRLFCRLF; anything after the close delimiter (the epilogue) is ignored. A delimiter
/// followed by anything else (a line `--boundaryX` in part data, say) is malformed: RFC 2046
/// forbids the delimiter inside a part, so there is no guessing. A body without any part is
/// malformed. It does not decode `Content-Transfer-Encoding` (RFC 7578 §4.7 deprecates it)
/// nor nested multiparts, and it does not limit part data: the caller counts `.body` bytes.
///
/// After it throws, every call throws the same error again.
public struct MultipartParser: Sendable {
    private enum State: Sendable {
        /// Before the first delimiter; `matched` bytes of a delimiter ended the last feed.
        case preamble(matched: Int)
        /// Right after a delimiter: transport padding and CRLF, or `--`.
        case afterDelimiter(AfterDelimiter)
        /// In a part's header block; `matched` bytes of CRLFCRLF seen last.
        case headers(matched: Int)
        /// In a part's data; `matched` bytes of a delimiter ended the last feed.
        case body(matched: Int)
        /// The close delimiter was seen.
        case done
        case failed(MultipartError)
    }

    private enum AfterDelimiter: Sendable {
        case start, padding, lineFeed, secondDash
    }

    private let limits: MultipartLimits
    private let matcher: DelimiterMatcher
    private var state: State
    /// The part header block read so far (only in `.headers`).
    private var headerBlock: [UInt8] = []
    private var partCount = 0

    /// Creates a parser for a body delimited by `boundary` (from ``MultipartContentType``).
    /// An invalid boundary makes every call throw ``MultipartError/malformed(_:)``.
    public init(boundary: String, limits: MultipartLimits = .init()) {
        self.limits = limits
        self.matcher = DelimiterMatcher(boundary: boundary)
        // The body may open with the delimiter minus its CRLF: act as if a CRLF came first.
        let isValid = HTTPSyntax.isValidBoundary(boundary)
        self.state = isValid ? .preamble(matched: 2) : .failed(.malformed("invalid boundary"))
    }

    /// Consumes all readable bytes of `buffer`, returning the events they complete, in order.
    /// Part data comes out as slices of `buffer` (no copy); bytes after the close delimiter
    /// are ignored.
    public mutating func feed(_ buffer: ByteBuffer) throws(MultipartError) -> [MultipartEvent] {
        if case .failed(let error) = state { throw error }
        var buffer = buffer
        var events: [MultipartEvent] = []
        do {
            while buffer.readableBytes > 0 {
                try step(&buffer, &events)
            }
        } catch {
            state = .failed(error)
            throw error
        }
        return events
    }

    /// Call at the end of the request body. Throws `.truncated` unless the closing delimiter was seen.
    public mutating func finish() throws(MultipartError) {
        switch state {
        case .done:
            return
        case .failed(let error):
            throw error
        default:
            state = .failed(.truncated)
            throw .truncated
        }
    }

    /// Consumes some bytes of `buffer` in the current state.
    private mutating func step(_ buffer: inout ByteBuffer, _ events: inout [MultipartEvent]) throws(MultipartError) {
        switch state {
        case .failed(let error):
            throw error
        case .done:
            buffer.moveReaderIndex(to: buffer.writerIndex)
        case .preamble(let matched):
            switch scanForDelimiter(&buffer, matched: matched, emit: { _ in }) {
            case .delimiter: state = .afterDelimiter(.start)
            case .needMore(let matched): state = .preamble(matched: matched)
            }
        case .body(let matched):
            switch scanForDelimiter(&buffer, matched: matched, emit: { events.append(.body($0)) }) {
            case .delimiter:
                events.append(.partEnd)
                state = .afterDelimiter(.start)
            case .needMore(let matched):
                state = .body(matched: matched)
            }
        case .afterDelimiter(let phase):
            try readAfterDelimiter(phase, buffer.readInteger(as: UInt8.self)!, &events)
        case .headers(let matched):
            try readHeaders(&buffer, matched: matched, &events)
        }
    }

    private enum ScanOutcome {
        /// A whole delimiter was consumed.
        case delimiter
        /// All bytes were consumed; the last `matched` of them may start a delimiter.
        case needMore(matched: Int)
    }

    /// Consumes bytes up to and including the next delimiter, or all of them, passing the
    /// bytes before it to `emit`: slices of `buffer`, and the held-back bytes of a previous
    /// feed when they turn out not to start a delimiter after all.
    private func scanForDelimiter(
        _ buffer: inout ByteBuffer,
        matched: Int,
        emit: (ByteBuffer) -> Void
    ) -> ScanOutcome {
        if matched > 0 {
            switch buffer.withUnsafeReadableBytes({ matcher.continueMatch(matched: matched, in: $0) }) {
            case .complete(let consumed):
                buffer.moveReaderIndex(forwardBy: consumed)
                return .delimiter
            case .incomplete:
                let matched = matched + buffer.readableBytes
                buffer.moveReaderIndex(to: buffer.writerIndex)
                return .needMore(matched: matched)
            case .mismatch:
                // Only a CR starts a delimiter, and the held-back bytes have none after
                // their first: they are all data, and the search starts afresh.
                emit(ByteBuffer(bytes: matcher.delimiter[..<matched]))
            }
        }
        let readable = buffer.readableBytes
        switch buffer.withUnsafeReadableBytes({ matcher.search($0) }) {
        case .found(let start):
            if start > 0 { emit(buffer.readSlice(length: start)!) }
            buffer.moveReaderIndex(forwardBy: matcher.delimiter.count)
            return .delimiter
        case .partial(let start):
            if start > 0 { emit(buffer.readSlice(length: start)!) }
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMore(matched: readable - start)
        case .notFound:
            emit(buffer.readSlice(length: readable)!)
            return .needMore(matched: 0)
        }
    }

    /// Reads one byte of what follows a delimiter: `--`, or padding and CRLF.
    private mutating func readAfterDelimiter(
        _ phase: AfterDelimiter,
        _ byte: UInt8,
        _ events: inout [MultipartEvent]
    ) throws(MultipartError) {
        switch (phase, byte) {
        case (.start, UInt8(ascii: "-")):
            state = .afterDelimiter(.secondDash)
        case (.secondDash, UInt8(ascii: "-")):
            guard partCount > 0 else { throw .malformed("body has no parts") }
            events.append(.end)
            state = .done
        case (.start, _) where HTTPSyntax.isWhitespace(byte), (.padding, _) where HTTPSyntax.isWhitespace(byte):
            state = .afterDelimiter(.padding)
        case (.start, UInt8(ascii: "\r")), (.padding, UInt8(ascii: "\r")):
            state = .afterDelimiter(.lineFeed)
        case (.lineFeed, UInt8(ascii: "\n")):
            guard partCount < limits.maxParts else { throw .tooManyParts }
            partCount += 1
            // The CRLF just read counts towards the CRLFCRLF that ends the (maybe empty) headers.
            state = .headers(matched: 2)
        default:
            throw .malformed("invalid boundary line")
        }
    }

    /// Reads header block bytes up to the CRLFCRLF that ends the block, within the limit.
    private mutating func readHeaders(
        _ buffer: inout ByteBuffer,
        matched: Int,
        _ events: inout [MultipartEvent]
    ) throws(MultipartError) {
        // The empty line's CRLF is not counted against the limit.
        let room = limits.maxPartHeaderBytes + 2 - headerBlock.count
        var matched = matched
        var consumed = 0
        for byte in buffer.readableBytesView {
            guard consumed < room else { throw .partHeaderTooLarge }
            consumed += 1
            if byte == Self.headerTerminator[matched] {
                matched += 1
                if matched == Self.headerTerminator.count { break }
            } else {
                matched = byte == UInt8(ascii: "\r") ? 1 : 0
            }
        }
        headerBlock.append(contentsOf: buffer.readableBytesView.prefix(consumed))
        buffer.moveReaderIndex(forwardBy: consumed)
        guard matched == Self.headerTerminator.count else {
            state = .headers(matched: matched)
            return
        }
        headerBlock.removeLast(2)
        let head = try PartHeaderParser.parse(headerBlock)
        headerBlock.removeAll(keepingCapacity: true)
        events.append(.partBegin(head))
        state = .body(matched: 0)
    }

    private static let headerTerminator: [UInt8] = Array("\r\n\r\n".utf8)
}
