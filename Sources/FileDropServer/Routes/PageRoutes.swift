import FileDropStorage
import NIOCore

/// `GET /`: the upload page with the newest files (`?cursor=` for older ones, without script).
struct PageRoutes {
    static let pageSize = 50

    let storage: any StorageAccess
    let cursorKey: [UInt8]
    /// The session cookie's lifetime, for a page reached with `?token=`.
    let tokenTTL: Int64
    /// `--max-link-ttl`, for the page's link forms.
    let maxLinkTTL: Int64

    func index(_ exchange: Exchange) -> EventLoopFuture<Response> {
        let request = exchange.request
        let user = exchange.principal?.user ?? ""
        var cursor: FileCursor?
        if let text = request.queryValue("cursor") {
            cursor = ListingCursor.decode(text, key: cursorKey)
        }
        let (after, cursorKey, tokenTTL, maxLinkTTL) = (cursor, cursorKey, tokenTTL, maxLinkTTL)
        return storage.run { storage in
            try storage.files.list(limit: Self.pageSize + 1, after: after)
        }.map { files in
            let page = Array(files.prefix(Self.pageSize))
            let next = files.count > Self.pageSize ? page.last.map { ListingCursor.encode($0, key: cursorKey) } : nil
            var response = Pages.index(user: user, files: page, nextCursor: next, pageSize: Self.pageSize, maxLinkTTL: maxLinkTTL)
            if exchange.principal?.source == .query, let token = request.queryValue("token") {
                // Reached with ?token=: give the page the cookie its form posts need.
                response.headers.add(name: "Set-Cookie", value: LoginRoutes.cookie(token, maxAge: tokenTTL))
            }
            return response
        }
    }
}
