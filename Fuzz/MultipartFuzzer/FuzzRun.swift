import FileDropMultipart
import NIOCore

/// What a parser reported for a body fed in given pieces, checked as it goes against the
/// promises that hold whatever the input: events in grammar order, no empty data, never
/// more data out than bytes in.
struct FuzzRun {
    struct Part: Equatable {
        var head: MultipartPartHead
        var data: [UInt8] = []
    }

    var parts: [Part] = []
    var ended = false
    var error: MultipartError?

    /// Feeds `pieces` in order, then finishes; `afterFeed` sees the run and the bytes fed
    /// so far after each successful feed.
    init(
        pieces: [ArraySlice<UInt8>],
        boundary: String,
        limits: MultipartLimits,
        afterFeed: (FuzzRun, Int) -> Void = { _, _ in }
    ) {
        var parser = MultipartParser(boundary: boundary, limits: limits)
        var bytesIn = 0
        var dataOut = 0
        var inPart = false
        do {
            for piece in pieces {
                bytesIn += piece.count
                for event in try parser.feed(ByteBuffer(bytes: piece)) {
                    check(!ended, "event after .end")
                    switch event {
                    case .partBegin(let head):
                        check(!inPart, "partBegin inside a part")
                        parts.append(Part(head: head))
                        inPart = true
                    case .body(let data):
                        check(inPart, "body outside a part")
                        check(data.readableBytes > 0, "empty body event")
                        parts[parts.count - 1].data += data.readableBytesView
                        dataOut += data.readableBytes
                    case .partEnd:
                        check(inPart, "partEnd outside a part")
                        inPart = false
                    case .end:
                        check(!inPart, "end inside a part")
                        ended = true
                    }
                }
                check(dataOut <= bytesIn, "more data out than bytes in")
                check(parts.count <= limits.maxParts, "more parts than maxParts")
                afterFeed(self, bytesIn)
            }
            try parser.finish()
            check(ended, "finish() accepted a body without .end")
        } catch {
            check(!ended || error != .truncated, "truncated after .end")
            self.error = error
            // The error sticks.
            check((try? parser.finish()) == nil, "finish() passed after an error")
        }
    }
}

/// Stops the fuzzer with `message` (libFuzzer saves the input) when `condition` is false.
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant broken: \(message())") }
}
