import FileDropMultipart
import NIOCore
import Testing

/// One part as the tests see it: its head and all of its data joined.
struct ParsedPart: Equatable {
    var head: MultipartPartHead
    var data: [UInt8]
}

/// Everything a parser reported for one body: the parts, whether `.end` came, the error.
struct ParseOutcome: Equatable {
    var parts: [ParsedPart] = []
    var ended = false
    var error: MultipartError?
    /// How many `.body` events carried the data (not part of equality).
    var bodyEventCount = 0

    static func == (lhs: ParseOutcome, rhs: ParseOutcome) -> Bool {
        lhs.parts == rhs.parts && lhs.ended == rhs.ended && lhs.error == rhs.error
    }

    /// The data of every part, for bodies whose heads are checked elsewhere.
    var data: [String] { parts.map { String(decoding: $0.data, as: UTF8.self) } }
}

let testBoundary = "XyZ-b0undary"

/// Feeds `pieces` one after the other, then calls `finish()`; records an issue when the
/// events come in an order the parser promises never to produce.
func parse(
    pieces: [ArraySlice<UInt8>],
    boundary: String = testBoundary,
    limits: MultipartLimits = .init()
) -> ParseOutcome {
    var parser = MultipartParser(boundary: boundary, limits: limits)
    var outcome = ParseOutcome()
    var inPart = false
    do {
        for piece in pieces {
            for event in try parser.feed(ByteBuffer(bytes: piece)) {
                checkOrder(!outcome.ended, "event after .end")
                switch event {
                case .partBegin(let head):
                    checkOrder(!inPart, "partBegin inside a part")
                    outcome.parts.append(ParsedPart(head: head, data: []))
                    inPart = true
                case .body(let data):
                    checkOrder(inPart && data.readableBytes > 0, "body outside a part, or empty")
                    outcome.parts[outcome.parts.count - 1].data += data.readableBytesView
                    outcome.bodyEventCount += 1
                case .partEnd:
                    checkOrder(inPart, "partEnd outside a part")
                    inPart = false
                case .end:
                    checkOrder(!inPart, "end inside a part")
                    outcome.ended = true
                }
            }
        }
        try parser.finish()
    } catch {
        outcome.error = error
    }
    return outcome
}

/// Parses `body` fed whole.
func parse(_ body: [UInt8], boundary: String = testBoundary, limits: MultipartLimits = .init()) -> ParseOutcome {
    parse(pieces: [body[...]], boundary: boundary, limits: limits)
}

/// Parses `body` fed in pieces of at most `size` bytes.
func parse(_ body: [UInt8], chunkSize size: Int, boundary: String = testBoundary) -> ParseOutcome {
    let pieces = stride(from: 0, to: body.count, by: size).map { body[$0..<min($0 + size, body.count)] }
    return parse(pieces: pieces, boundary: boundary)
}

/// Records an issue when the parser breaks its event order; cheaper than `#expect` for
/// the millions of events the split tests produce.
private func checkOrder(_ condition: Bool, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
    if !condition { Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation) }
}
