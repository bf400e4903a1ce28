import FileDropAuth
import FileDropStorage
import NIOCore

/// The signed-in side of share links: `POST /files/ID/links` (make one), `GET /files/ID/links`
/// (list a file's links), `DELETE /links/LINKID` (revoke one). A passphrase is hashed on the
/// hashing pool (scrypt, as passwords are) and only its hash is stored.
struct ShareLinkRoutes {
    let eventLoop: EventLoop
    let storage: any StorageAccess
    let passwords: any PasswordHashing
    let tokens: LinkTokens
    let clock: WallClock
    /// `--max-link-ttl`, in seconds.
    let maxLinkTTL: Int64

    func create(fileID: Int64, exchange: Exchange, body: ByteBuffer) -> EventLoopFuture<Response> {
        let asked: ShareLinkRequest
        switch LinkRequests.shareLink(Array(body.readableBytesView), maxLinkTTL: maxLinkTTL) {
        case .failure(let problem): return eventLoop.makeSucceededFuture(.message(.badRequest, problem.message))
        case .success(let request): asked = request
        }
        let passphraseHash: EventLoopFuture<String?> =
            asked.passphrase.map { passwords.hash($0).map(Optional.some) } ?? eventLoop.makeSucceededFuture(nil)
        let (storage, tokens, now) = (storage, tokens, clock.unixMilliseconds)
        let user = exchange.principal?.user ?? ""
        return passphraseHash.assumeIsolated().flatMap { hash in
            storage.run { storage -> (ShareLinkRecord, String)? in
                let minted = tokens.mint()
                let link = try storage.shareLinks.create(
                    fileID: fileID, tokenHash: minted.hash, seed: minted.seed, expiresAt: now + asked.expiresIn * 1000,
                    maxDownloads: asked.maxDownloads, passphraseHash: hash, createdBy: user, now: now
                )
                return link.map { ($0, minted.token) }
            }
        }.nonisolated().map { created in
            guard let (link, token) = created else { return .message(.notFound, "No file with id \(fileID)") }
            return .json(.created, LinkJSON.shareLink(link, token: token))
        }
    }

    func list(fileID: Int64) -> EventLoopFuture<Response> {
        let (tokens, now) = (tokens, clock.unixMilliseconds)
        return storage.run { storage in try storage.shareLinks.links(fileID: fileID, now: now) }.map { links in
            guard let links else { return .message(.notFound, "No file with id \(fileID)") }
            let items = links.map { LinkJSON.shareLink($0, token: tokens.token(seed: $0.seed)) }
            return .json(.ok, "{\"links\":[\(items.joined(separator: ","))]}")
        }
    }

    func revoke(id: Int64) -> EventLoopFuture<Response> {
        storage.run { storage in try storage.shareLinks.revoke(id: id) }.map { revoked in
            revoked ? Response(status: .noContent) : .message(.notFound, "No share link with id \(id)")
        }
    }
}
