import FileDropStorage
import NIOCore

/// `GET /`: the upload page with the newest files (`?cursor=` for older ones, without script).
enum PageRoutes {
    static let pageSize = 50

    static func index(_ exchange: Exchange, server: ServerContext) -> EventLoopFuture<Response> {
        let request = exchange.request
        let user = exchange.principal?.user ?? ""
        var cursor: FileCursor?
        if let text = request.queryValue("cursor") {
            cursor = ListingCursor.decode(text, key: server.cursorKey)
        }
        return server.database { storage in
            try storage.files.list(limit: pageSize + 1, after: cursor)
        }.map { files in
            let page = Array(files.prefix(pageSize))
            let next = files.count > pageSize ? page.last.map { ListingCursor.encode($0, key: server.cursorKey) } : nil
            var response = Pages.index(user: user, files: page, nextCursor: next, pageSize: pageSize)
            if exchange.principal?.source == .query, let token = request.queryValue("token") {
                // Reached with ?token=: give the page the cookie its form posts need.
                response.headers.add(name: "Set-Cookie", value: LoginRoutes.cookie(token, maxAge: server.configuration.tokenTTL))
            }
            return response
        }
    }
}
