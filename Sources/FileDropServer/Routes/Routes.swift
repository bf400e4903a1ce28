import FileDropStorage
import NIOCore
import NIOHTTP1

/// Every endpoint: those that answer once their (small) body is in (`handle`), and those whose
/// body streams into storage as it arrives (`startStreamedBody`). Downloads answer with a
/// `Download` that `HTTPHandler` streams.
///
/// Each route has one shape: parse the request, do the storage work on the storage thread,
/// map errors to statuses, build the response. Each group of routes holds only what it
/// needs (the storage, a key, the clock), not the whole server.
///
/// A class: every request reaches it, and a struct of this size was copied (a retain and a
/// release of each of its many references) wherever a request's work captured it.
final class Routes {
    let eventLoop: EventLoop
    let storage: any StorageAccess
    let files: FileRoutes
    let login: LoginRoutes
    let pages: PageRoutes
    let uploads: FormUpload.Environment
    let tus: TusRoutes
    let shareLinks: ShareLinkRoutes
    let dropLinks: DropLinkRoutes
    let sharedFiles: SharedFileRoutes
    let drops: DropPageRoutes
    let metrics: MetricsRoutes

    init(
        eventLoop: EventLoop, storage: any StorageAccess, files: FileRoutes, login: LoginRoutes, pages: PageRoutes,
        uploads: FormUpload.Environment, tus: TusRoutes, shareLinks: ShareLinkRoutes, dropLinks: DropLinkRoutes,
        sharedFiles: SharedFileRoutes, drops: DropPageRoutes, metrics: MetricsRoutes
    ) {
        self.eventLoop = eventLoop
        self.storage = storage
        self.files = files
        self.login = login
        self.pages = pages
        self.uploads = uploads
        self.tus = tus
        self.shareLinks = shareLinks
        self.dropLinks = dropLinks
        self.sharedFiles = sharedFiles
        self.drops = drops
        self.metrics = metrics
    }

    /// For an endpoint whose body is consumed as it arrives (uploads), decides from the head
    /// whether to read it and makes its consumer; nil for endpoints whose small body is
    /// collected first and handed to `handle`. `connection` is made only for those endpoints
    /// (its closures are not worth making for every `GET`).
    func startStreamedBody(_ exchange: Exchange, connection: @autoclosure () -> StreamedBodyConnection) -> StreamedBodyStart? {
        switch exchange.endpoint {
        case .upload?:
            let user = exchange.principal?.user ?? ""
            return FormUpload.start(exchange.request, uploader: .user(user), environment: uploads, connection: connection())
        case .dropUpload(let token)?:
            return drops.startUpload(token: token, request: exchange.request, connection: connection())
        case .tus(let action)?:
            return tus.startStreamedBody(action, mount: userUploads(exchange), request: exchange.request, connection: connection())
        case .dropTus(let token, let action)? where action.hasStreamedBody:
            return dropTusStart(token: token, action: action, request: exchange.request, connection: connection())
        default:
            return nil
        }
    }

    /// A tus `POST` or `PATCH` through a drop link: the link is found first (it is the
    /// request's credential, so its 404 or 410 comes before anything else is looked at, as a
    /// 401 would), then the request starts as under `/uploads`, with the link as the owner.
    private func dropTusStart(
        token: String, action: TusAction, request: Request, connection: StreamedBodyConnection
    ) -> StreamedBodyStart {
        let (tus, loop, logger) = (tus, eventLoop, tus.logger)
        let decision = drops.tusMount(token: token).assumeIsolated().map { mount -> StreamedBodyStart in
            let mounted = loop.makeSucceededFuture(mount)
            return tus.startStreamedBody(action, mount: mounted, request: request, connection: connection)
                ?? .refused(.message(.internalServerError, "Internal server error"))
        }.recover { error in
            .refused(TusRoutes.answer(for: error, logger: logger))
        }
        return .pending(decision.nonisolated())
    }

    /// The signed-in user's tus collection.
    private func userUploads(_ exchange: Exchange) -> EventLoopFuture<TusMount> {
        eventLoop.makeSucceededFuture(TusMount(basePath: "/uploads", owner: .user(exchange.principal?.user ?? "")))
    }

    /// Headers that every answer to a path carries, whatever its status: `Tus-Resumable`
    /// under a tus collection (tus 1.0.0; 404, 405 and 401 included).
    static func headersOnEveryAnswer(to request: Request) -> HTTPHeaders {
        TusProtocol.isCollectionPath(request.path) ? TusProtocol.everyAnswerHeaders : [:]
    }

    /// The answer, when it can be given at once from memory (the first page of `GET /`);
    /// nil for everything else, which goes through `handle`.
    func answerFromMemory(_ exchange: Exchange) -> Response? {
        exchange.endpoint == .index ? pages.fromMemory(exchange) : nil
    }

    func handle(_ exchange: Exchange, body: ByteBuffer) -> EventLoopFuture<Response> {
        let request = exchange.request
        switch exchange.endpoint {
        case .health?:
            return health()
        case .metrics?:
            return metrics.scrape()
        case .staticAsset(let name)?:
            return eventLoop.makeSucceededFuture(Self.serve(StaticAssets.asset(named: name), request: request))
        case .favicon?:
            return eventLoop.makeSucceededFuture(Self.serve(StaticAssets.favicon, request: request))
        case .loginWithBasic?:
            return login.basic(request)
        case .loginWithForm?:
            return login.form(request, body: body)
        case .logout?:
            return eventLoop.makeSucceededFuture(login.logout(exchange))
        case .index?:
            return pages.index(exchange)
        case .listFiles?:
            return files.list(request)
        case .fileRecord(let id)?:
            return files.record(id: id)
        case .fileContent(let id)?:
            return files.content(id: id, request: request)
        case .editFile(let id)?:
            return files.edit(id: id, request: request, body: body)
        case .deleteFile(let id)?:
            return files.delete(id: id)
        case .tus(let action)?:
            return tus.handle(action, mount: userUploads(exchange), request: request)
        case .dropTus(_, .options)?:
            // What the server offers, under any mount; it looks no link up.
            return eventLoop.makeSucceededFuture(tus.options())
        case .dropTus(let token, let action)?:
            let (tus, loop, logger) = (tus, eventLoop, tus.logger)
            return drops.tusMount(token: token).assumeIsolated().flatMap { mount in
                tus.handle(action, mount: loop.makeSucceededFuture(mount), request: request)
            }.nonisolated().recover { TusRoutes.answer(for: $0, logger: logger) }
        case .createShareLink(let fileID)?:
            return shareLinks.create(fileID: fileID, exchange: exchange, body: body)
        case .listShareLinks(let fileID)?:
            return shareLinks.list(fileID: fileID)
        case .revokeShareLink(let id)?:
            return shareLinks.revoke(id: id)
        case .createDropLink?:
            return dropLinks.create(exchange: exchange, body: body)
        case .listDropLinks?:
            return dropLinks.list()
        case .revokeDropLink(let id)?:
            return dropLinks.revoke(id: id)
        case .sharePage(let token)?:
            return sharedFiles.page(token: token, request: request)
        case .unlockShare(let token)?:
            return sharedFiles.unlock(token: token, request: request, body: body)
        case .sharedContent(let token)?:
            return sharedFiles.content(token: token, request: request)
        case .dropPage(let token)?:
            return drops.page(token: token)
        case .upload?, .dropUpload?, nil:
            return eventLoop.makeSucceededFuture(.message(.notFound, "Not found"))
        }
    }

    /// How long `/healthz` waits for the database.
    static let healthDeadline = TimeAmount.seconds(1)

    /// `GET /healthz`: a real query on the storage thread, answered within `healthDeadline`:
    /// a storage thread stuck behind a long job is as unavailable as a broken database.
    private func health() -> EventLoopFuture<Response> {
        let ok = Response.json(.ok, "{\"status\":\"ok\"}")
        let unavailable = Response.json(.serviceUnavailable, "{\"status\":\"unavailable\",\"message\":\"database unavailable\"}")
        let promise = eventLoop.makePromise(of: Response.self)
        let answered = NIOLoopBoundBox(false, eventLoop: eventLoop)
        let answer = { (response: Response) in
            guard !answered.value else { return }
            answered.value = true
            promise.succeed(response)
        }
        let deadline = eventLoop.assumeIsolated().scheduleTask(in: Self.healthDeadline) { answer(unavailable) }
        storage.run { try $0.ping() }.assumeIsolated().whenComplete { result in
            deadline.cancel()
            answer((try? result.get()) != nil ? ok : unavailable)
        }
        return promise.futureResult
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
        for candidate in ifNoneMatch.split(ascii: ",") {
            var tag = candidate.trimmed
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            if tag == wanted { return true }
        }
        return false
    }
}

@available(*, unavailable)
extension Routes: Sendable {}
