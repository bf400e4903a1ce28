import FileDropAuth
import FileDropStorage
import NIOCore
import NIOHTTP1

/// `GET /login` (HTTP Basic), `POST /login` (form or JSON) and `POST /logout`.
///
/// Passwords are checked on the hashing pool, never on the event loop. Failed logins are
/// counted per client address; past the limit every attempt gets 429 until the window
/// passes, the right password too. A request without any credentials is not a failure.
enum LoginRoutes {
    static let clearedCookie = "token=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"

    static func cookie(_ token: String, maxAge: Int64) -> String {
        "token=\(token); HttpOnly; SameSite=Strict; Path=/; Max-Age=\(maxAge)"
    }

    private struct Credentials {
        var username: String
        var password: String
    }

    private enum Style {
        case basic, form, json
    }

    static func basic(_ request: Request, server: ServerContext) -> EventLoopFuture<Response> {
        if let limited = rateLimited(request, style: .basic, server: server) {
            return server.eventLoop.makeSucceededFuture(limited)
        }
        guard let authorization = request.headers.first(name: "authorization") else {
            if request.accept.prefersHTML {
                return server.eventLoop.makeSucceededFuture(Pages.login(status: .ok, error: ""))
            }
            return server.eventLoop.makeSucceededFuture(unableToVerify(.basic))
        }
        guard let credentials = parseBasic(authorization) else {
            server.loginLimiter.recordFailure(address: request.clientAddress, now: server.now())
            return server.eventLoop.makeSucceededFuture(unableToVerify(.basic))
        }
        return attempt(credentials, request: request, style: .basic, server: server)
    }

    static func form(_ request: Request, body: ByteBuffer, server: ServerContext) -> EventLoopFuture<Response> {
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
                return server.eventLoop.makeSucceededFuture(.message(.badRequest, "Body must be a JSON object with username and password"))
            }
            fields = members
        default:
            return server.eventLoop.makeSucceededFuture(
                .message(.unsupportedMediaType, "Send application/x-www-form-urlencoded or application/json")
            )
        }
        if let limited = rateLimited(request, style: style, server: server) {
            return server.eventLoop.makeSucceededFuture(limited)
        }
        guard let username = fields["username"], let password = fields["password"], !username.isEmpty, !password.isEmpty else {
            return server.eventLoop.makeSucceededFuture(unableToVerify(style, username: fields["username"] ?? ""))
        }
        return attempt(Credentials(username: username, password: password), request: request, style: style, server: server)
    }

    static func logout(_ exchange: Exchange, server: ServerContext) -> Response {
        if let principal = exchange.principal {
            server.authenticator.snapshot.revoked.insert(principal.revocationID)
            let id = principal.revocationID
            let expiresAt = principal.claims.expiresAt
            server.database { storage in try storage.users.revoke(tokenID: id, expiresAt: expiresAt) }
                .whenFailure { server.logger.error("could not store a revocation: \($0)") }
        }
        let request = exchange.request
        let isForm = request.mediaType == "application/x-www-form-urlencoded" || request.accept.prefersHTML
        var response = isForm ? Response.redirect(to: "/") : Response(status: .noContent)
        response.headers.add(name: "Set-Cookie", value: clearedCookie)
        return response
    }

    // MARK: Checking a password

    private static func attempt(
        _ credentials: Credentials, request: Request, style: Style, server: ServerContext
    ) -> EventLoopFuture<Response> {
        let hasher = server.passwordHasher
        return server.database { storage in
            try storage.users.user(named: credentials.username)
        }.flatMap { user in
            server.hashing.run(on: server.eventLoop) {
                // An unknown user costs as much as a wrong password: no user enumeration by timing.
                let verified = hasher.verify(credentials.password, against: user?.passwordHash ?? DummyHash.value)
                return verified ? user : nil
            }
        }.map { user in
            guard let user else {
                server.loginLimiter.recordFailure(address: request.clientAddress, now: server.now())
                return unableToVerify(style, username: credentials.username)
            }
            // The database is the truth: a user added a moment ago by `app user add` may not
            // have reached the snapshot yet.
            server.authenticator.snapshot.tokensValidAfter[user.name] = user.tokensValidAfter
            let (token, expiresIn) = server.authenticator.issueToken(for: credentials.username, now: server.nowSeconds)
            switch style {
            case .form:
                var response = Response.redirect(to: "/")
                response.headers.add(name: "Set-Cookie", value: cookie(token, maxAge: expiresIn))
                return response
            case .basic, .json:
                return .json(.ok, "{\"token\":\(JSONText.quoted(token)),\"expires_in\":\(expiresIn)}")
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

    private static func rateLimited(_ request: Request, style: Style, server: ServerContext) -> Response? {
        guard let seconds = server.loginLimiter.retryAfter(address: request.clientAddress, now: server.now()) else {
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
        // Standard base64 in the URL-safe alphabet, without padding, for the strict decoder.
        let text = String(parts[1].trimmed.compactMap { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 == "=" ? nil : $0 })
        guard let bytes = Base64URL.decode(Substring(text)), let decoded = String(validating: bytes, as: UTF8.self),
            let colon = decoded.firstIndex(of: ":")
        else { return nil }
        return Credentials(username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]))
    }
}

/// A valid hash of a random password, checked when the user does not exist.
enum DummyHash {
    static let value = PasswordHasher().hash(Base64URL.encode(Crypto.randomBytes(16)))
}
