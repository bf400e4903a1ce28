import FileDropAuth
import FileDropStorage
import NIOCore

/// The signed-in side of drop links: `POST /drops` (make one), `GET /drops` (every user's
/// drop links, with what each received so far), `DELETE /drops/DROPID` (revoke one; the files
/// it received stay).
struct DropLinkRoutes {
    let eventLoop: EventLoop
    let storage: any StorageAccess
    let tokens: LinkTokens
    let clock: WallClock
    /// `--max-link-ttl`, in seconds.
    let maxLinkTTL: Int64

    func create(exchange: Exchange, body: ByteBuffer) -> EventLoopFuture<Response> {
        let asked: DropLinkRequest
        switch LinkRequests.dropLink(Array(body.readableBytesView), maxLinkTTL: maxLinkTTL) {
        case .failure(let problem): return eventLoop.makeSucceededFuture(.message(.badRequest, problem.message))
        case .success(let request): asked = request
        }
        let (tokens, now) = (tokens, clock.unixMilliseconds)
        let user = exchange.principal?.user ?? ""
        return storage.run { storage in
            let minted = tokens.mint()
            let link = try storage.dropLinks.create(
                tokenHash: minted.hash, seed: minted.seed, label: asked.label, expiresAt: now + asked.expiresIn * 1000,
                maxFiles: asked.maxFiles, maxBytes: asked.maxBytes, createdBy: user, now: now
            )
            return (link, minted.token)
        }.map { link, token in
            .json(.created, LinkJSON.dropLink(link, token: token))
        }
    }

    func list() -> EventLoopFuture<Response> {
        let tokens = self.tokens
        return storage.run { storage in try storage.dropLinks.all() }.map { links in
            let items = links.map { LinkJSON.dropLink($0, token: tokens.token(seed: $0.seed)) }
            return .json(.ok, "{\"drops\":[\(items.joined(separator: ","))]}")
        }
    }

    func revoke(id: Int64) -> EventLoopFuture<Response> {
        let now = clock.unixMilliseconds
        return storage.run { storage in try storage.dropLinks.revoke(id: id, now: now) }.map { revoked in
            revoked ? Response(status: .noContent) : .message(.notFound, "No drop link with id \(id)")
        }
    }
}
