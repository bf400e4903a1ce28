import FileDropAuth
import FileDropStorage
import NIOCore
import NIOHTTP1

/// The public side of share links: `GET /s/TOKEN` (the page), `POST /s/TOKEN` (its passphrase
/// form) and `GET`/`HEAD /s/TOKEN/content` (the bytes, with every header of the signed-in
/// download: `FileRoutes.contentResponse`).
///
/// Every request finds its link first: unknown, revoked or its file gone → 404; expired or
/// used up → 410; then the passphrase (`PassphraseGate`); then the answer. A download counts
/// when a GET's 200 or 206 starts at byte 0 (HEAD, 304, 416 and later ranges do not); it is
/// counted in storage before the answer goes out, atomically, so at most `max_downloads` such
/// answers ever go out, however many ask at once.
struct SharedFileRoutes {
    let eventLoop: EventLoop
    let storage: any StorageAccess
    let tokens: LinkTokens
    let gate: PassphraseGate
    let clock: WallClock

    func page(token: String, request: Request) -> EventLoopFuture<Response> {
        let gate = self.gate
        return find(token).assumeIsolated().flatMap { found in
            switch found {
            case .failure(let refusal):
                return eventLoop.makeSucceededFuture(Pages.linkNotice(refusal))
            case .success(let (link, file)):
                return gate.check(request, link: link).assumeIsolated().map { outcome in
                    switch outcome {
                    case .open:
                        return Pages.sharedFile(file, link: link, token: token)
                    case .missing:
                        let error = gate.lockedOut(address: request.clientAddress).map(Self.limitedText) ?? ""
                        return Pages.passphraseForm(token: token, status: .ok, error: error)
                    case .wrong, .limited:
                        return Self.passphraseRefusal(outcome, token: token, page: true)
                    }
                }.nonisolated()
            }
        }.nonisolated()
    }

    /// The passphrase form's post: right → a cookie for this link and back to its page.
    func unlock(token: String, request: Request, body: ByteBuffer) -> EventLoopFuture<Response> {
        let gate = self.gate
        return find(token).assumeIsolated().flatMap { found in
            switch found {
            case .failure(let refusal):
                return eventLoop.makeSucceededFuture(Pages.linkNotice(refusal))
            case .success(let (link, _)):
                guard link.passphraseHash != nil else { return eventLoop.makeSucceededFuture(.redirect(to: "/s/" + token)) }
                let form = Request.parseQuery(Substring(String(decoding: body.readableBytesView, as: UTF8.self)))
                guard request.mediaType == "application/x-www-form-urlencoded",
                    let passphrase = form.first(where: { $0.name == "passphrase" })?.value, !passphrase.isEmpty
                else {
                    let again = Pages.passphraseForm(token: token, status: .badRequest, error: "Enter the passphrase.")
                    return eventLoop.makeSucceededFuture(again)
                }
                return gate.attempt(passphrase, link: link, address: request.clientAddress).assumeIsolated().map { outcome in
                    guard outcome == .open else { return Self.passphraseRefusal(outcome, token: token, page: true) }
                    var response = Response.redirect(to: "/s/" + token)
                    response.headers.add(name: "Set-Cookie", value: gate.cookie(for: link, token: token, secure: request.viaHTTPS))
                    return response
                }.nonisolated()
            }
        }.nonisolated()
    }

    func content(token: String, request: Request) -> EventLoopFuture<Response> {
        let (gate, storage, now) = (gate, storage, clock.unixMilliseconds)
        let browser = request.accept.prefersHTML
        return find(token).assumeIsolated().flatMap { found in
            switch found {
            case .failure(let refusal):
                return eventLoop.makeSucceededFuture(Self.refusal(refusal, browser: browser))
            case .success(let (link, file)):
                return gate.check(request, link: link).assumeIsolated().flatMap { outcome in
                    guard outcome == .open else {
                        return eventLoop.makeSucceededFuture(Self.passphraseRefusal(outcome, token: token, page: browser))
                    }
                    let response = FileRoutes.contentResponse(file, request: request)
                    guard Self.counts(response, request: request) else { return eventLoop.makeSucceededFuture(response) }
                    return storage.run { storage in try storage.shareLinks.countDownload(linkID: link.id, now: now) }.map { counted in
                        switch counted {
                        case .success: return response
                        case .failure(let refusal): return Self.refusal(refusal, browser: browser)
                        }
                    }
                }.nonisolated()
            }
        }.nonisolated()
    }

    // MARK: Pieces

    /// The link of `token` with its file, if it may be used at all now.
    private func find(_ token: String) -> EventLoopFuture<Result<(ShareLinkRecord, FileRecord), LinkRefusal>> {
        let (tokens, hash, now) = (tokens, LinkTokens.hash(token), clock.unixMilliseconds)
        return storage.run { storage in try storage.shareLinks.link(tokenHash: hash, now: now) }.map { found in
            guard let (link, file) = found, tokens.matches(Substring(token), seed: link.seed) else { return .failure(.gone) }
            if now >= link.expiresAt { return .failure(.expired) }
            if link.isSpent(now: now) { return .failure(.usedUp) }
            return .success((link, file))
        }
    }

    /// A download counts when a GET's answer carries the file from byte 0 (200, or a 206
    /// whose range starts there).
    static func counts(_ response: Response, request: Request) -> Bool {
        guard request.method == .GET, response.status == .ok || response.status == .partialContent,
            case .download(let download) = response.body
        else { return false }
        return download.start == 0
    }

    private static func refusal(_ refusal: LinkRefusal, browser: Bool) -> Response {
        browser ? Pages.linkNotice(refusal) : .message(refusal.status, refusal.message)
    }

    /// 401 for a missing or wrong passphrase, 429 past the limit: the form again for a
    /// browser; JSON with a Basic challenge otherwise (`curl -u :PASS`).
    private static func passphraseRefusal(_ outcome: PassphraseGate.Outcome, token: String, page: Bool) -> Response {
        let (status, pageError, message): (HTTPResponseStatus, String, String)
        switch outcome {
        case .limited(let seconds):
            (status, pageError, message) = (.tooManyRequests, limitedText(seconds), limitedText(seconds))
        case .wrong:
            (status, pageError, message) = (.unauthorized, "Wrong passphrase. Try again.", "Wrong passphrase")
        case .missing, .open:
            (status, pageError, message) = (.unauthorized, "", "This link needs its passphrase: send it as the Basic password")
        }
        var response = page ? Pages.passphraseForm(token: token, status: status, error: pageError) : .message(status, message)
        if case .limited(let seconds) = outcome {
            response.headers.add(name: "Retry-After", value: String(seconds))
        } else if !page {
            response.headers.add(name: "WWW-Authenticate", value: "Basic realm=\"FileDrop shared file\", charset=\"UTF-8\"")
        }
        return response
    }

    private static func limitedText(_ seconds: Int) -> String {
        "Too many wrong passphrases from your address; try again in \(seconds) seconds."
    }
}
