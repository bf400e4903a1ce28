import FileDropAuth
import FileDropStorage
import Logging
import NIOCore
import NIOHTTP1

/// `GET /login` (HTTP Basic), `POST /login` (form or JSON) and `POST /logout`.
///
/// Passwords are checked on the hashing pool, never on the event loop. Failed logins are
/// counted per client address; past the limit every attempt gets 429 until the window
/// passes, the right password too. A request without any credentials is not a failure.
/// Lives on the event loop: the limiter's box and the authenticator check that it does.
struct LoginRoutes {
    static let clearedCookie = "token=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"

    static func cookie(_ token: String, maxAge: Int64) -> String {
        "token=\(token); HttpOnly; SameSite=Strict; Path=/; Max-Age=\(maxAge)"
    }

    let eventLoop: EventLoop
    let storage: any StorageAccess
    let passwords: any PasswordHashing
    let authenticator: Authenticator
    let limiter: NIOLoopBoundBox<LoginRateLimiter>
    let clock: WallClock
    let logger: Logger

    private struct Credentials: Sendable {
        var username: String
        var password: String
    }

    private enum Style {
        case basic, form, json
    }

    func basic(_ request: Request) -> EventLoopFuture<Response> {
        if let limited = rateLimited(request, style: .basic) {
            return eventLoop.makeSucceededFuture(limited)
        }
        guard let authorization = request.headers.first(name: "authorization") else {
            if request.accept.prefersHTML {
                return eventLoop.makeSucceededFuture(Pages.login(status: .ok, error: ""))
            }
            return eventLoop.makeSucceededFuture(Self.unableToVerify(.basic))
        }
        guard let credentials = Self.parseBasic(authorization) else {
            limiter.value.recordFailure(address: request.clientAddress, now: clock.now)
            return eventLoop.makeSucceededFuture(Self.unableToVerify(.basic))
        }
        return attempt(credentials, request: request, style: .basic)
    }

    func form(_ request: Request, body: ByteBuffer) -> EventLoopFuture<Response> {
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
        if let limited = rateLimited(request, style: style) {
            return eventLoop.makeSucceededFuture(limited)
        }
        guard let username = fields["username"], let password = fields["password"], !username.isEmpty, !password.isEmpty else {
            return eventLoop.makeSucceededFuture(Self.unableToVerify(style, username: fields["username"] ?? ""))
        }
        return attempt(Credentials(username: username, password: password), request: request, style: style)
    }

    func logout(_ exchange: Exchange) -> Response {
        if let principal = exchange.principal {
            authenticator.snapshot.revoked.insert(principal.revocationID)
            let id = principal.revocationID
            let expiresAt = principal.claims.expiresAt
            let logger = self.logger
            storage.run { storage in try storage.users.revoke(tokenID: id, expiresAt: expiresAt) }
                .whenFailure { logger.error("could not store a revocation: \($0)") }
        }
        let request = exchange.request
        let isForm = request.mediaType == "application/x-www-form-urlencoded" || request.accept.prefersHTML
        var response = isForm ? Response.redirect(to: "/") : Response(status: .noContent)
        response.headers.add(name: "Set-Cookie", value: Self.clearedCookie)
        return response
    }

    // MARK: Checking a password

    private func attempt(_ credentials: Credentials, request: Request, style: Style) -> EventLoopFuture<Response> {
        let passwords = self.passwords
        let name = credentials.username
        return storage.run { storage in
            try storage.users.user(named: name)
        }.assumeIsolated().flatMap { user in
            passwords.verify(credentials.password, against: user?.passwordHash).map { $0 ? user : nil }
        }.map { user in
            guard let user else {
                limiter.value.recordFailure(address: request.clientAddress, now: clock.now)
                return Self.unableToVerify(style, username: credentials.username)
            }
            // The database is the truth: a user added a moment ago by `app user add` may not
            // have reached the snapshot yet.
            authenticator.snapshot.tokensValidAfter[user.name] = user.tokensValidAfter
            let (token, expiresIn) = authenticator.issueToken(for: credentials.username, now: clock.unixSeconds)
            switch style {
            case .form:
                var response = Response.redirect(to: "/")
                response.headers.add(name: "Set-Cookie", value: Self.cookie(token, maxAge: expiresIn))
                return response
            case .basic, .json:
                return .json(.ok, "{\"token\":\(JSONText.quoted(token)),\"expires_in\":\(expiresIn)}")
            }
        }.nonisolated()
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

    private func rateLimited(_ request: Request, style: Style) -> Response? {
        guard let seconds = limiter.value.retryAfter(address: request.clientAddress, now: clock.now) else {
            return nil
        }
        let message = "Too many failed logins; try again in \(seconds) seconds."
        var response = style == .form ? Pages.login(status: .tooManyRequests, error: message) : .message(.tooManyRequests, message)
        response.headers.add(name: "Retry-After", value: String(seconds))
        return response
    }

    /// `Basic base64(user:password)` (RFC 7617); nil when malformed.
    private static func parseBasic(_ header: String) -> Credentials? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic" else { return nil }
        guard let bytes = Base64.decode(parts[1].trimmed), let decoded = String(validating: bytes, as: UTF8.self),
            let colon = decoded.firstIndex(of: ":")
        else { return nil }
        return Credentials(username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]))
    }
}
