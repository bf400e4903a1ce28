import FileDropStorage
import NIOCore
import NIOHTTP1

/// Every endpoint that answers once its (small) body is in. Uploads stream through
/// `UploadSession` instead; downloads answer with a `Download` that `HTTPHandler` streams.
///
/// Each route has one shape: parse the request, do the storage work on the storage thread,
/// map errors to statuses, build the response.
enum Routes {
    static func handle(_ exchange: Exchange, body: ByteBuffer, server: ServerContext) -> EventLoopFuture<Response> {
        let request = exchange.request
        let loop = server.eventLoop
        switch exchange.endpoint {
        case .health?:
            return server.database { storage in try storage.database.pragmaInt("SELECT 1") }
                .map { _ in Response.json(.ok, "{\"status\":\"ok\"}") }
                .recover { _ in Response.json(.serviceUnavailable, "{\"status\":\"unavailable\",\"message\":\"database unavailable\"}") }
        case .staticAsset(let name)?:
            return loop.makeSucceededFuture(serve(StaticAssets.asset(named: name), request: request))
        case .favicon?:
            return loop.makeSucceededFuture(serve(StaticAssets.favicon, request: request))
        case .loginWithBasic?:
            return LoginRoutes.basic(request, server: server)
        case .loginWithForm?:
            return LoginRoutes.form(request, body: body, server: server)
        case .logout?:
            return loop.makeSucceededFuture(LoginRoutes.logout(exchange, server: server))
        case .index?:
            return PageRoutes.index(exchange, server: server)
        case .listFiles?:
            return FileRoutes.list(request, server: server)
        case .fileRecord(let id)?:
            return FileRoutes.record(id: id, server: server)
        case .fileContent(let id)?:
            return FileRoutes.content(id: id, request: request, server: server)
        case .deleteFile(let id)?:
            return FileRoutes.delete(id: id, server: server)
        case .upload?, nil:
            return loop.makeSucceededFuture(.message(.notFound, "Not found"))
        }
    }

    /// 401 for a request without a usable token: the login page for a browser, JSON otherwise.
    static func unauthorized(_ failure: Authenticator.Failure, request: Request) -> Response {
        var response: Response
        if request.accept.prefersHTML {
            response = Pages.login(status: .unauthorized, error: failure == .invalid ? "Your session has ended. Please sign in again." : "")
        } else {
            response = .message(.unauthorized, failure == .missing ? "Token missing" : "Invalid token")
        }
        let challenge = failure == .missing ? "Bearer realm=\"FileDrop\"" : "Bearer realm=\"FileDrop\", error=\"invalid_token\""
        response.headers.add(name: "WWW-Authenticate", value: challenge)
        if failure == .invalid, request.cookie("token") != nil {
            response.headers.add(name: "Set-Cookie", value: LoginRoutes.clearedCookie)
        }
        return response
    }

    /// A compiled-in asset, revalidated by `ETag`.
    static func serve(_ asset: StaticAsset?, request: Request) -> Response {
        guard let asset else { return .message(.notFound, "Not found") }
        var response: Response
        if Conditional.matches(ifNoneMatch: request.headers.first(name: "if-none-match"), etag: asset.etag) {
            response = Response(status: .notModified)
        } else {
            response = Response(status: .ok, body: .bytes(asset.bytes))
            response.headers.add(name: "Content-Type", value: asset.contentType)
        }
        response.headers.add(name: "ETag", value: asset.etag)
        // Revalidate after an hour: a new binary may serve new assets under the same name.
        response.headers.add(name: "Cache-Control", value: "public, max-age=3600, must-revalidate")
        response.headers.add(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }
}

/// Conditional requests (RFC 9110 §13).
enum Conditional {
    /// `If-None-Match` lists this entity tag (weak comparison), or is `*`.
    static func matches(ifNoneMatch: String?, etag: String) -> Bool {
        guard let ifNoneMatch else { return false }
        let wanted = etag.hasPrefix("W/") ? String(etag.dropFirst(2)) : etag
        for candidate in ifNoneMatch.split(separator: ",") {
            var tag = candidate.trimmed
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            if tag == wanted { return true }
        }
        return false
    }
}
