import FileDropAuth
import FileDropStorage
import NIOCore

/// Decides whether a request may see a share link that has a passphrase: with the link's
/// cookie (set once the passphrase was typed into its page), or with the passphrase as the
/// HTTP Basic password (`curl -u :PASS`). Wrong passphrases are counted per client address
/// across all links (`PassphraseRateLimiter`: 5 in 60 s, attempts being checked included), and
/// past that limit every attempt gets 429, the right passphrase too.
///
/// Passphrases are checked on the hashing pool (scrypt), never on the event loop. So that a
/// download manager fetching one file in ranges, each request with the passphrase, does not
/// cost a hash per request, a passphrase found right is remembered for a few minutes, as an
/// HMAC under a key that lives only in memory, per link.
///
/// Lives on the event loop, like `Authenticator`: its state is touched nowhere else.
final class PassphraseGate {
    enum Outcome: Equatable {
        /// No passphrase needed, or the right one given.
        case open
        /// The link has a passphrase and none was given.
        case missing
        case wrong
        /// Too many wrong passphrases from this address: answer 429 with this `Retry-After`.
        case limited(retryAfter: Int)
    }

    /// The cookie's name: not `token`, which is the user's session.
    static let cookieName = "fd_share"
    static let rememberSeconds: Double = 300
    static let maxRemembered = 1024

    private let eventLoop: EventLoop
    private let passwords: any PasswordHashing
    private let cookies: PassphraseCookie
    private let clock: WallClock
    private var limiter = PassphraseRateLimiter()
    private let rememberKey = Crypto.randomBytes(32)
    private var remembered: [Int64: (digest: [UInt8], until: Double)] = [:]

    init(eventLoop: EventLoop, passwords: any PasswordHashing, serverKey: [UInt8], clock: WallClock) {
        self.eventLoop = eventLoop
        self.passwords = passwords
        self.cookies = PassphraseCookie(serverKey: serverKey)
        self.clock = clock
    }

    /// Whether `request` may see `link`: no passphrase, the link's cookie, or the right Basic password.
    func check(_ request: Request, link: ShareLinkRecord) -> EventLoopFuture<Outcome> {
        guard link.passphraseHash != nil else { return eventLoop.makeSucceededFuture(.open) }
        if hasCookie(request, for: link) { return eventLoop.makeSucceededFuture(.open) }
        guard let given = request.basicPassword else { return eventLoop.makeSucceededFuture(.missing) }
        return attempt(given, link: link, address: request.clientAddress)
    }

    /// Checks a passphrase given for `link` (from the page's form or a Basic header).
    func attempt(_ passphrase: String, link: ShareLinkRecord, address: String) -> EventLoopFuture<Outcome> {
        eventLoop.assertInEventLoop()
        guard let hash = link.passphraseHash else { return eventLoop.makeSucceededFuture(.open) }
        if let seconds = limiter.begin(address: address, now: clock.now) {
            return eventLoop.makeSucceededFuture(.limited(retryAfter: seconds))
        }
        let digest = Crypto.hmacSHA256(key: rememberKey, message: Array("\(link.id):\(passphrase)".utf8))
        if let known = remembered[link.id], known.until > clock.now, Crypto.constantTimeEqual(known.digest, digest) {
            limiter.finish(address: address, failed: false, now: clock.now)
            return eventLoop.makeSucceededFuture(.open)
        }
        return passwords.verify(passphrase, against: hash).assumeIsolated().map { matches in
            self.limiter.finish(address: address, failed: !matches, now: self.clock.now)
            guard matches else { return Outcome.wrong }
            self.remember(linkID: link.id, digest: digest)
            return .open
        }.nonisolated()
    }

    /// nil while `address` may try passphrases, else the seconds until it may again.
    func lockedOut(address: String) -> Int? {
        limiter.retryAfter(address: address, now: clock.now)
    }

    /// The `Set-Cookie` value that opens `link` (reached at `/s/TOKEN`) for an hour: for that
    /// link's path exactly, never sent cross-site, out of reach of scripts; `Secure` when the
    /// client reached us over https (a trusted proxy said so), as the session cookie is.
    func cookie(for link: ShareLinkRecord, token: String, secure: Bool) -> String {
        let value = cookies.value(linkID: link.id, now: clock.unixSeconds)
        return "\(Self.cookieName)=\(value); Path=/s/\(token); HttpOnly; SameSite=Strict; Max-Age=\(PassphraseCookie.lifetime)"
            + (secure ? "; Secure" : "")
    }

    private func hasCookie(_ request: Request, for link: ShareLinkRecord) -> Bool {
        let now = clock.unixSeconds
        return request.cookies(named: Self.cookieName).contains { cookies.opens(linkID: link.id, value: $0, now: now) }
    }

    private func remember(linkID: Int64, digest: [UInt8]) {
        let now = clock.now
        if remembered.count >= Self.maxRemembered {
            remembered = remembered.filter { $0.value.until > now }
            if remembered.count >= Self.maxRemembered { remembered.removeAll() }
        }
        remembered[linkID] = (digest, now + Self.rememberSeconds)
    }
}

@available(*, unavailable)
extension PassphraseGate: Sendable {}
