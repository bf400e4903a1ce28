import FileDropStorage
import NIOCore

/// `GET /`: the upload page with the newest files, or with `?q=` the files a search finds
/// (`?cursor=` for older ones, without script), and the signed-in user's storage use.
struct PageRoutes {
    static let pageSize = 50

    let storage: any StorageAccess
    /// The first page without a search, rendered per user, without a storage-thread hop.
    let listings: ListingCache
    let cursorKey: [UInt8]
    let lifetime: FileLifetime
    let space: SpaceGate
    /// File times, and the session cookie's lifetime: what is left of the token's.
    let clock: WallClock
    /// `--max-link-ttl`, for the page's link forms.
    let maxLinkTTL: Int64

    /// The first page, when it is in memory and nothing asks for another (no search, no
    /// cursor): answered at once, without a future (most page views). The handler asks this
    /// first (`Routes.answerFromMemory`); `index` is what it falls back to.
    func fromMemory(_ exchange: Exchange) -> Response? {
        let request = exchange.request
        guard request.queryValue("cursor") == nil, case .success(let search) = FileRoutes.search(request), search.isEmpty else {
            return nil
        }
        let user = exchange.principal?.user ?? ""
        let usage = space.usage(of: user)
        let figures = ListingCache.Figures(used: usage.used, quota: usage.quota, usedTotal: space.ledger.usedTotal)
        let now = clock.unixMilliseconds
        guard let body = listings.body(limit: Self.pageSize + 1, variant: "page " + user, figures: figures, now: now) else {
            return nil
        }
        return respond(body, exchange)
    }

    /// The page when `fromMemory` had none: its files read (or waited for), then rendered.
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
        let now = clock.unixMilliseconds
        let usage = space.usage(of: user)
        let figures = ListingCache.Figures(used: usage.used, quota: usage.quota, usedTotal: space.ledger.usedTotal)
        let files: EventLoopFuture<(files: [FileRecord], generation: UInt64?)>
        if cursor == nil && search.isEmpty {
            files = listings.firstFiles(limit: Self.pageSize + 1, now: now, storage: storage, eventLoop: space.eventLoop).map {
                ($0.files, $0.generation)
            }
        } else {
            files = storage.run { [cursor] storage in
                (try storage.files.list(limit: Self.pageSize + 1, after: cursor, now: now, search: search), nil)
            }
        }
        let cursorKey = cursorKey
        return files.assumeIsolated().map { files, generation in
            // Requests that waited for the same read: the first renders, the others find it.
            if generation != nil,
                let body = self.listings.body(limit: Self.pageSize + 1, variant: "page " + user, figures: figures, now: now)
            {
                return self.respond(body, exchange)
            }
            let page = Array(files.prefix(Self.pageSize))
            let next = files.count > Self.pageSize ? page.last.map { ListingCursor.encode($0, key: cursorKey, search: search) } : nil
            let body = Pages.indexBody(
                IndexPage(
                    user: user, files: page, nextCursor: next, pageSize: Self.pageSize, query: query, searching: !search.isEmpty,
                    used: figures.used, quota: figures.quota, usedTotal: figures.usedTotal,
                    maxStorage: self.space.ledger.limits.maxStorage, lifetime: self.lifetime,
                    maxLinkTTL: self.maxLinkTTL
                )
            )
            if let generation {
                self.listings.store(body: body, limit: Self.pageSize + 1, variant: "page " + user, figures: figures, generation: generation)
            }
            return self.respond(body, exchange)
        }.nonisolated()
    }

    /// The page with `body`; reached with `?token=`, with the cookie its form posts need, for
    /// as long as the token has left.
    private func respond(_ body: ByteBuffer, _ exchange: Exchange) -> Response {
        var response = Response.page(.ok, body)
        if let principal = exchange.principal, principal.source == .query, let token = exchange.request.queryValue("token") {
            let remaining = principal.claims.expiresAt - clock.unixSeconds
            response.headers.add(
                name: "Set-Cookie", value: LoginRoutes.cookie(token, maxAge: remaining, secure: exchange.request.viaHTTPS)
            )
        }
        return response
    }
}
