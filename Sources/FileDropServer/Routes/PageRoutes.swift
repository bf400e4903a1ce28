import FileDropStorage
import NIOCore

/// `GET /`: the upload page with the newest files, or with `?q=` the files a search finds
/// (`?cursor=` for older ones, without script), and the signed-in user's storage use.
struct PageRoutes {
    static let pageSize = 50

    let storage: any StorageAccess
    let cursorKey: [UInt8]
    let lifetime: FileLifetime
    let space: SpaceGate
    /// File times, and the session cookie's lifetime: what is left of the token's.
    let clock: WallClock
    /// `--max-link-ttl`, for the page's link forms.
    let maxLinkTTL: Int64

    func index(_ exchange: Exchange) -> EventLoopFuture<Response> {
        let request = exchange.request
        let user = exchange.principal?.user ?? ""
        let query = request.queryValue("q") ?? ""
        let search: FileSearch
        switch FileRoutes.search(request) {
        case .success(let parsed): search = parsed
        case .failure(let problem):
            let page = Pages.result(status: .badRequest, title: "Search too long", message: FileRoutes.message(problem))
            return space.eventLoop.makeSucceededFuture(page)
        }
        var cursor: FileCursor?
        if let text = request.queryValue("cursor") {
            cursor = ListingCursor.decode(text, key: cursorKey, search: search)
        }
        let (after, cursorKey, clock, now) = (cursor, cursorKey, clock, clock.unixMilliseconds)
        return storage.run { storage in
            try storage.files.list(limit: Self.pageSize + 1, after: after, now: now, search: search)
        }.assumeIsolated().map { files in
            let page = Array(files.prefix(Self.pageSize))
            let next = files.count > Self.pageSize ? page.last.map { ListingCursor.encode($0, key: cursorKey, search: search) } : nil
            let usage = self.space.usage(of: user)
            var response = Pages.index(
                IndexPage(
                    user: user, files: page, nextCursor: next, pageSize: Self.pageSize, query: query, searching: !search.isEmpty,
                    used: usage.used, quota: usage.quota, usedTotal: self.space.ledger.usedTotal,
                    maxStorage: self.space.ledger.limits.maxStorage, lifetime: self.lifetime,
                    maxLinkTTL: self.maxLinkTTL
                )
            )
            if let principal = exchange.principal, principal.source == .query, let token = request.queryValue("token") {
                // Reached with ?token=: give the page the cookie its form posts need, for as
                // long as the token has left.
                let remaining = principal.claims.expiresAt - clock.unixSeconds
                response.headers.add(name: "Set-Cookie", value: LoginRoutes.cookie(token, maxAge: remaining, secure: request.viaHTTPS))
            }
            return response
        }.nonisolated()
    }
}
