import NIOCore

/// A request body that is consumed as it arrives instead of being collected in memory: an
/// upload through the multipart form (`FormUpload`) or any other streaming front door.
///
/// `HTTPHandler` hands it each piece of the body, then asks it for the answer at the body's
/// end; if the connection goes away first, it is aborted. It acts on its connection only
/// through the `StreamedBodyConnection` closures it was given when it started.
protocol StreamedBody: AnyObject {
    /// The next piece of the body, on the event loop.
    func receive(_ buffer: ByteBuffer)
    /// The body ended: the answer, once what the body carried is stored.
    func finish() -> EventLoopFuture<Response>
    /// The connection closed before the body ended: forget what was received.
    func abort()
}

/// How a streamed body acts on its connection, without holding the handler.
struct StreamedBodyConnection {
    /// Storage fell behind: stop reading from the socket.
    var pauseReading: () -> Void
    var resumeReading: () -> Void
    /// The request failed before its body ended: answer now; the rest of the body is dropped.
    var answerNow: (Response) -> Void
}

/// What a streaming endpoint decides from the request head alone.
enum StreamedBodyStart {
    case accepted(any StreamedBody)
    /// Refused from the head alone; the body is not read.
    case refused(Response)
    /// Decided once a lookup completes (a drop link's budget is in the database): reading
    /// waits, and `100 Continue` is sent only once the body is accepted, so a refusal still
    /// comes before the body. The future completes on the event loop with `.accepted` or
    /// `.refused`.
    case pending(EventLoopFuture<StreamedBodyStart>)
}
