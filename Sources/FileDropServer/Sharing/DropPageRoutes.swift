import FileDropAuth
import FileDropStorage
import NIOCore

/// The public side of drop links: `GET /d/TOKEN` (the page with the drop zone),
/// `POST /d/TOKEN/upload` (a guest's multipart upload: `FormUpload`, every rule of `/upload`,
/// with the drop link as the uploader), and the mount of the tus routes at
/// `/d/TOKEN/uploads` (`tusMount`).
///
/// An upload finds its link before its body is read (unknown or revoked → 404, expired → 410,
/// no file left → 403, a declared length that cannot fit → 413), then streams like any
/// upload, drawing on the link's budget (`DropUploads`), and is charged to the link in the
/// transaction that stores it.
struct DropPageRoutes {
    let eventLoop: EventLoop
    let storage: any StorageAccess
    let tokens: LinkTokens
    let clock: WallClock
    let uploads: FormUpload.Environment
    let running: DropUploads

    func page(token: String) -> EventLoopFuture<Response> {
        let maxUploadSize = uploads.maxFileSize
        return find(token).map { found in
            switch found {
            case .failure(let refusal): return Pages.linkNotice(refusal)
            case .success(let link): return Pages.dropPage(link, token: token, maxUploadSize: maxUploadSize)
            }
        }
    }

    /// Decides on a guest's upload once its link is found; reading waits until then.
    func startUpload(token: String, request: Request, connection: StreamedBodyConnection) -> StreamedBodyStart {
        let (running, environment) = (running, uploads)
        let decision = find(token).assumeIsolated().map { found -> StreamedBodyStart in
            let link: DropLinkRecord
            switch found {
            case .failure(let refusal): return .refused(Self.refusal(refusal, request: request))
            case .success(let found): link = found
            }
            let uploader = Uploader.guest(link, token: token)
            switch running.admit(link, declaredBodyLength: request.declaredBodyLength) {
            case .failure(let refusal):
                return .refused(UploadAnswers.error(refusal.status, refusal.message, request: request, uploader: uploader))
            case .success(let allowance):
                return FormUpload.start(request, uploader: uploader, allowance: allowance, environment: environment, connection: connection)
            }
        }
        return .pending(decision.nonisolated())
    }

    /// The tus collection of a drop link, `/d/TOKEN/uploads`, once the link is found: its
    /// uploads belong to the link (`UploadOwner.drop`), so only requests with its token reach
    /// them. Fails with the link's refusal (404 unknown or revoked, 410 expired), which every
    /// request under it answers, an unfinished upload's `HEAD` and `PATCH` included. Its limits
    /// are checked, and charged, when an upload is created (`TusStore.create`).
    func tusMount(token: String) -> EventLoopFuture<TusMount> {
        find(token).flatMapThrowing { found in
            let link = try found.get()
            return TusMount(
                basePath: "/d/\(token)/uploads", owner: .drop(id: link.id, label: link.label, createdBy: link.createdBy)
            )
        }
    }

    /// The drop link of `token`, if it may be used now.
    private func find(_ token: String) -> EventLoopFuture<Result<DropLinkRecord, LinkRefusal>> {
        let (tokens, hash, now) = (tokens, LinkTokens.hash(token), clock.unixMilliseconds)
        return storage.run { storage in try storage.dropLinks.link(tokenHash: hash) }.map { found in
            guard let link = found, tokens.matches(Substring(token), seed: link.seed) else { return .failure(.gone) }
            if now >= link.expiresAt { return .failure(.expired) }
            return .success(link)
        }
    }

    /// A link that cannot take uploads at all: its notice page for a browser's form post.
    private static func refusal(_ refusal: LinkRefusal, request: Request) -> Response {
        request.accept.prefersHTML && !request.accept.prefersJSON
            ? Pages.linkNotice(refusal) : .message(refusal.status, refusal.message)
    }
}
