import NIOCore

/// The uploads that a request is writing to (or terminating) right now. One request per
/// upload at a time: a second `PATCH` is 409 (tus leaves concurrent writes undefined; clients
/// retry), the expiry sweep leaves these uploads alone, and a `DELETE` first stops the
/// request that writes.
///
/// Lives on the event loop; the claims are the server's memory only, so a crash leaves no
/// stale lock behind.
final class TusActiveWrites {
    /// One request's hold on an upload.
    final class Claim {
        let id: String
        /// Stops the request holding the claim; completes once its storage work is over and
        /// the claim released. Set by the holder.
        var stop: () -> EventLoopFuture<Void>

        init(id: String, stop: @escaping () -> EventLoopFuture<Void>) {
            self.id = id
            self.stop = stop
        }
    }

    private let eventLoop: EventLoop
    private var claims: [String: Claim] = [:]

    /// No request is writing to any upload now.
    var isEmpty: Bool { claims.isEmpty }

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Takes `id` for the caller; nil when another request holds it.
    func claim(_ id: String) -> Claim? {
        eventLoop.assertInEventLoop()
        guard claims[id] == nil else { return nil }
        let claim = Claim(id: id) { [eventLoop] in eventLoop.makeSucceededVoidFuture() }
        claims[id] = claim
        return claim
    }

    /// Gives the claimed upload back, if `claim` still holds it.
    func release(_ claim: Claim) {
        eventLoop.assertInEventLoop()
        if claims[claim.id] === claim { claims[claim.id] = nil }
    }

    /// The claim on `id`, if any.
    func holder(of id: String) -> Claim? {
        claims[id]
    }

    /// The uploads held now (for the expiry sweep to skip).
    var claimedIDs: Set<String> {
        Set(claims.keys)
    }
}

@available(*, unavailable)
extension TusActiveWrites: Sendable {}
