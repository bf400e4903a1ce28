import FileDropAuth
import FileDropStorage
import Logging
import NIOCore
import NIOHTTP1

/// `GET /login` (HTTP Basic), `POST /login` (form or JSON) and `POST /logout`.
///
/// Passwords are checked on the hashing pool, never on the event loop, and only once the
/// `LoginGate` lets the attempt through (failures per client address and per account, with
/// attempts in flight counted). A request without any credentials is not a failure. After a
/// password matched, the user is read again on the storage thread: a password changed or a
/// user removed while the hash ran makes the login fail, so no login can bring back what
/// `app user passwd` or `app user remove` just took away. A login form posted from another
/// origin is refused before anything else (403).
/// Lives on the event loop: the gate and the authenticator check that it does.
struct LoginRoutes {
    static let clearedCookie = "token=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"

    /// The session cookie; `Secure` when the client reached us over https (a trusted proxy said so).
    static func cookie(_ token: String, maxAge: Int64, secure: Bool) -> String {
        "token=\(token); HttpOnly; SameSite=Strict; Path=/; Max-Age=\(max(0, maxAge))" + (secure ? "; Secure" : "")
    }

    let eventLoop: EventLoop
    let storage: any StorageAccess
    let passwords: any PasswordHashing
    let authenticator: Authenticator
    let gate: NIOLoopBoundBox<LoginGate>
    let clock: WallClock
    let logger: Logger

    private struct Credentials: Sendable {
        var username: String
        var password: String
    }

    private enum Style {
        case basic, form, json
    }

    /// What checking a password found, read on the storage thread after the hash.
    private enum Check: Sendable {
        /// Right, and still the user's password: the validity start read then, and the time.
        case verified(tokensValidAfter: Int64, checkedAt: Int64)
        case wrong
        /// Right when the hash began, but the password changed or the user went meanwhile.
        case changedMeanwhile
    }

    func basic(_ request: Request) -> EventLoopFuture<Response> {
        guard let authorization = request.headers.first(name: "authorization") else {
            if let seconds = gate.value.retryAfter(address: request.rateLimitKey) {
                return eventLoop.makeSucceededFuture(Self.tooManyFailures(seconds, style: .basic))
            }
            if request.accept.prefersHTML {
                return eventLoop.makeSucceededFuture(Pages.login(status: .ok, error: ""))
            }
            return eventLoop.makeSucceededFuture(Self.unableToVerify(.basic))
        }
        guard let credentials = Self.parseBasic(authorization) else {
            if let seconds = gate.value.retryAfter(address: request.rateLimitKey) {
                return eventLoop.makeSucceededFuture(Self.tooManyFailures(seconds, style: .basic))
            }
            gate.value.recordFailure(address: request.rateLimitKey)
            return eventLoop.makeSucceededFuture(Self.unableToVerify(.basic))
        }
        return attempt(credentials, request: request, style: .basic)
    }

    func form(_ request: Request, body: ByteBuffer) -> EventLoopFuture<Response> {
        if CrossSiteCheck.isCrossSite(request) {
            let message = "A sign-in form from another site was refused."
            return eventLoop.makeSucceededFuture(
                request.accept.prefersHTML ? Pages.login(status: .forbidden, error: message) : .message(.forbidden, message)
            )
        }
        let style: Style
        var fields: [String: String] = [:]
        switch request.mediaType {
        case "application/x-www-form-urlencoded":
            style = .form
            for (name, value) in Request.parseQuery(Substring(String(decoding: body.readableBytesView, as: UTF8.self))) {
                fields[name] = value
            }
        case "application/json":
            style = .json
            guard let members = JSONText.stringFields(Array(body.readableBytesView)) else {
                return eventLoop.makeSucceededFuture(.message(.badRequest, "Body must be a JSON object with username and password"))
            }
            fields = members
        default:
            return eventLoop.makeSucceededFuture(
                .message(.unsupportedMediaType, "Send application/x-www-form-urlencoded or application/json")
            )
        }
        guard let username = fields["username"], let password = fields["password"], !username.isEmpty, !password.isEmpty else {
            if let seconds = gate.value.retryAfter(address: request.rateLimitKey) {
                return eventLoop.makeSucceededFuture(Self.tooManyFailures(seconds, style: style))
            }
            return eventLoop.makeSucceededFuture(Self.unableToVerify(style, username: fields["username"] ?? ""))
        }
        return attempt(Credentials(username: username, password: password), request: request, style: style)
    }

    func logout(_ exchange: Exchange) -> Response {
        if let principal = exchange.principal {
            let id = principal.revocationID
            let expiresAt = principal.claims.expiresAt
            // Revoked in memory at once; a reload that read the database before the write
            // lands keeps it (see `Authenticator.reloaded`).
            authenticator.revoke(id, expiresAt: expiresAt)
            let (authenticator, logger) = (self.authenticator, self.logger)
            storage.run { storage in try storage.users.revoke(tokenID: id, expiresAt: expiresAt) }
                .assumeIsolated().whenComplete { result in
                    switch result {
                    case .success: authenticator.revocationStored(id)
                    case .failure(let error): logger.error("could not store a revocation (kept in memory): \(error)")
                    }
                }
        }
        let request = exchange.request
        let isForm = request.mediaType == "application/x-www-form-urlencoded" || request.accept.prefersHTML
        var response = isForm ? Response.redirect(to: "/") : Response(status: .noContent)
        response.headers.add(name: "Set-Cookie", value: Self.clearedCookie + (request.viaHTTPS ? "; Secure" : ""))
        return response
    }

    // MARK: Checking a password

    private func attempt(_ credentials: Credentials, request: Request, style: Style) -> EventLoopFuture<Response> {
        let gate = self.gate
        return gate.value.enter(address: request.rateLimitKey, account: credentials.username).assumeIsolated().flatMap {
            entry -> EventLoopFuture<Response> in
            switch entry {
            case .refused(let seconds):
                return eventLoop.makeSucceededFuture(Self.tooManyFailures(seconds, style: style))
            case .admitted(let ticket):
                return check(credentials).assumeIsolated().map { check -> (Response, LoginOutcome) in
                    answer(check, credentials: credentials, request: request, style: style)
                }.always { result in
                    gate.value.leave(ticket, outcome: (try? result.get().1) ?? .undecided)
                }.map { $0.0 }.nonisolated()
            }
        }.nonisolated()
    }

    /// Reads the user, checks the password on the hashing pool, and if it matched, reads the
    /// user again: only a password that is still the user's counts.
    private func check(_ credentials: Credentials) -> EventLoopFuture<Check> {
        let (storage, passwords, clock, name) = (self.storage, self.passwords, self.clock, credentials.username)
        return storage.run { storage in
            try storage.users.user(named: name)
        }.assumeIsolated().flatMap { user in
            passwords.verify(credentials.password, against: user?.passwordHash).map { $0 ? user : nil }
        }.flatMap { user -> EventLoopFuture<Check> in
            guard let verifiedHash = user?.passwordHash else { return eventLoop.makeSucceededFuture(.wrong) }
            return storage.run { storage -> Check in
                guard let now = try storage.users.user(named: name), now.passwordHash == verifiedHash else {
                    return .changedMeanwhile
                }
                // The time of this read, not of the answer: a password change committed after
                // it voids the token even if the loop is slow to hand it out.
                return .verified(tokensValidAfter: now.tokensValidAfter, checkedAt: clock.unixSeconds)
            }
        }.nonisolated()
    }

    private func answer(_ check: Check, credentials: Credentials, request: Request, style: Style) -> (Response, LoginOutcome) {
        switch check {
        case .wrong:
            return (Self.unableToVerify(style, username: credentials.username), .failed)
        case .changedMeanwhile:
            return (Self.unableToVerify(style, username: credentials.username), .undecided)
        case .verified(let validAfter, let checkedAt):
            // The database is the truth: a user added a moment ago by `app user add` may not
            // have reached the snapshot yet.
            authenticator.noteUser(credentials.username, tokensValidAfter: validAfter)
            let (token, expiresIn) = authenticator.issueToken(for: credentials.username, now: checkedAt)
            switch style {
            case .form:
                var response = Response.redirect(to: "/")
                response.headers.add(name: "Set-Cookie", value: Self.cookie(token, maxAge: expiresIn, secure: request.viaHTTPS))
                return (response, .succeeded)
            case .basic, .json:
                return (.json(.ok, "{\"token\":\(JSONText.quoted(token)),\"expires_in\":\(expiresIn)}"), .succeeded)
            }
        }
    }

    private static func unableToVerify(_ style: Style, username: String = "") -> Response {
        switch style {
        case .form:
            return Pages.login(status: .unauthorized, error: "Wrong user name or password.", username: username)
        case .basic, .json:
            var response = Response.message(.unauthorized, "Unable to verify")
            response.headers.add(name: "WWW-Authenticate", value: "Basic realm=\"FileDrop\", charset=\"UTF-8\"")
            return response
        }
    }

    /// 429 with `Retry-After`.
    private static func tooManyFailures(_ seconds: Int, style: Style) -> Response {
        let message = "Too many failed logins; try again in \(seconds) seconds."
        var response = style == .form ? Pages.login(status: .tooManyRequests, error: message) : .message(.tooManyRequests, message)
        response.headers.add(name: "Retry-After", value: String(seconds))
        return response
    }

    /// `Basic base64(user:password)` (RFC 7617); nil when malformed. Split at the first `:`
    /// byte, not `Character`: a `:` followed by a combining mark is one grapheme cluster,
    /// and the password may start with one.
    private static func parseBasic(_ header: String) -> Credentials? {
        guard let credentials = Request.credentials(in: header, scheme: "basic"), let bytes = Base64.decode(credentials),
            let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
            let username = String(validating: bytes[..<colon], as: UTF8.self),
            let password = String(validating: bytes[(colon + 1)...], as: UTF8.self)
        else { return nil }
        return Credentials(username: username, password: password)
    }
}
